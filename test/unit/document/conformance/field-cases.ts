import type { ConformanceCase } from './case.js';

/** Field update operators: $set $unset $rename $currentDate $inc $mul $min $max $bit. */
const product = {
  _id: 100,
  quantity: 250,
  instock: true,
  reorder: false,
  details: { model: '14QQ', make: 'Clothes Corp' },
  tags: ['apparel', 'clothing'],
  ratings: [{ by: 'Customer007', rating: 4 }],
};

const president = {
  _id: 1,
  alias: ['The American Cincinnatus', 'The American Fabius'],
  mobile: '555-555-5555',
  nmae: { first: 'george', last: 'washington' },
};

export const FIELD_CASES: readonly ConformanceCase[] = [
  // $set
  {
    page: '$set', name: 'set top-level fields', source: 'example', doc: product,
    update: { $set: { quantity: 500, details: { model: '2600', make: 'Fashionaires' }, tags: ['coats', 'outerwear', 'clothing'] } },
    expect: { doc: { ...product, quantity: 500, details: { model: '2600', make: 'Fashionaires' }, tags: ['coats', 'outerwear', 'clothing'] } },
  },
  {
    page: '$set', name: 'set a field in an embedded document', source: 'example', doc: product,
    update: { $set: { 'details.make': 'Kustom Kidz' } },
    expect: { doc: { ...product, details: { model: '14QQ', make: 'Kustom Kidz' } } },
  },
  {
    page: '$set', name: 'set elements in arrays', source: 'example', doc: product,
    update: { $set: { 'tags.1': 'rain gear', 'ratings.0.rating': 2 } },
    expect: { doc: { ...product, tags: ['apparel', 'rain gear'], ratings: [{ by: 'Customer007', rating: 2 }] } },
  },
  {
    page: '$set', name: 'a missing field is added', source: 'rule', doc: { a: 1 },
    update: { $set: { b: 2 } }, expect: { doc: { a: 1, b: 2 } },
  },
  {
    page: '$set', name: 'a dotted path creates the embedded documents', source: 'rule', doc: { a: 1 },
    update: { $set: { 'x.y.z': 2 } }, expect: { doc: { a: 1, x: { y: { z: 2 } } } },
  },
  {
    page: '$set', name: 'fields are processed in lexicographic order', source: 'rule', doc: {},
    update: { $set: { b: 1, a: 1 }, $inc: { 'c.2': 1, 'c.10': 1 } },
    expect: { doc: { a: 1, b: 1, c: { 2: 1, 10: 1 } } },
  },
  {
    page: '$set', name: 'an index past the end pads with null', source: 'server', doc: { l: [1] },
    update: { $set: { 'l.3': 4 } }, expect: { doc: { l: [1, null, null, 4] } },
  },
  {
    page: '$set', name: 'an equal document in another field order is a change', source: 'server',
    doc: { a: { x: 1, y: 2 } }, update: { $set: { a: { y: 2, x: 1 } } }, expect: { doc: { a: { y: 2, x: 1 } } },
  },
  {
    page: '$set', name: 'cannot create a field inside null', source: 'server', doc: { a: null },
    update: { $set: { 'a.b': 1 } }, expect: { fails: /cannot create field 'b' in element \{a: null\}/ },
  },
  {
    page: '$set', name: 'cannot create a field inside a scalar', source: 'server', doc: { a: 5 },
    update: { $set: { 'a.b': 1 } }, expect: { fails: /cannot create field 'b' in element \{a: 5\}/ },
  },
  {
    page: '$set', name: '_id is an ordinary field in memsync (no collection)', source: 'rule', doc: { _id: 1 },
    update: { $set: { _id: 2 } }, expect: { doc: { _id: 2 } },
  },
  {
    page: '$set', name: 'an undefined value is refused, not dropped', source: 'server', doc: {},
    update: { $set: { x: undefined } }, expect: { refused: 'ERR_INVALID_VALUE', message: /use \$unset/ },
  },
  // $unset
  {
    page: '$unset', name: 'remove fields', source: 'example', doc: product,
    update: { $unset: { quantity: '', instock: '' } },
    expect: { doc: { _id: 100, reorder: false, details: product.details, tags: product.tags, ratings: product.ratings } },
  },
  {
    page: '$unset', name: 'a missing field: nothing', source: 'rule', doc: { a: 1 },
    update: { $unset: { b: '' } }, expect: { doc: { a: 1 } },
  },
  {
    page: '$unset', name: 'an array element is set to null, not removed', source: 'rule', doc: { l: [1, 2, 3] },
    update: { $unset: { 'l.1': '' } }, expect: { doc: { l: [1, null, 3] } },
  },
  // $rename
  {
    page: '$rename', name: 'rename a field', source: 'example', doc: president,
    update: { $rename: { nmae: 'name' } },
    expect: { doc: { _id: 1, alias: president.alias, mobile: president.mobile, name: president.nmae } },
  },
  {
    page: '$rename', name: 'rename a field in an embedded document', source: 'example',
    doc: { _id: 1, name: { first: 'george', last: 'washington' } },
    update: { $rename: { 'name.first': 'name.fname' } },
    expect: { doc: { _id: 1, name: { last: 'washington', fname: 'george' } } },
  },
  {
    page: '$rename', name: 'rename a field that does not exist: nothing', source: 'example', doc: { a: 1 },
    update: { $rename: { wife: 'spouse' } }, expect: { doc: { a: 1 } },
  },
  {
    page: '$rename', name: 'an existing target is replaced', source: 'rule', doc: { a: 1, b: 2 },
    update: { $rename: { a: 'b' } }, expect: { doc: { b: 1 } },
  },
  {
    page: '$rename', name: 'into a new embedded document', source: 'rule', doc: { a: 1 },
    update: { $rename: { a: 'x.y' } }, expect: { doc: { x: { y: 1 } } },
  },
  {
    page: '$rename', name: 'does not work through arrays', source: 'rule', doc: { l: [{ a: 1 }] },
    update: { $rename: { 'l.0.a': 'l.0.b' } }, expect: { fails: /cannot rename through an array/ },
  },
  {
    page: '$rename', name: 'source and target must differ', source: 'server', doc: { a: 1 },
    update: { $rename: { a: 'a' } }, expect: { refused: 'ERR_INVALID_PATH', message: /source and target field must differ/ },
  },
  // $currentDate
  {
    page: '$currentDate', name: 'true and { $type: "date" } write the date, "timestamp" the milliseconds', source: 'example',
    doc: { status: 'a' }, at: Date.UTC(2026, 0, 2, 3, 4, 5),
    update: { $currentDate: { lastModified: true, 'cancellation.date': { $type: 'timestamp' } } },
    expect: { doc: { status: 'a', cancellation: { date: Date.UTC(2026, 0, 2, 3, 4, 5) }, lastModified: '2026-01-02T03:04:05.000Z' } },
  },
  // $inc
  {
    page: '$inc', name: 'increment and decrement', source: 'example',
    doc: { _id: 1, sku: 'abc123', quantity: 10, metrics: { orders: 2, ratings: 3.5 } },
    update: { $inc: { quantity: -2, 'metrics.orders': 1 } },
    expect: { doc: { _id: 1, sku: 'abc123', quantity: 8, metrics: { orders: 3, ratings: 3.5 } } },
  },
  {
    page: '$inc', name: 'a missing field is created with the amount', source: 'rule', doc: {},
    update: { $inc: { n: 5 } }, expect: { doc: { n: 5 } },
  },
  {
    page: '$inc', name: 'a null field is an error', source: 'rule', doc: { n: null },
    update: { $inc: { n: 1 } }, expect: { fails: /cannot apply \$inc to a value of type null/ },
  },
  {
    page: '$inc', name: 'a non-numeric field is an error', source: 'rule', doc: { n: 'x' },
    update: { $inc: { n: 1 } }, expect: { fails: /cannot apply \$inc to a value of type string/ },
  },
  {
    page: '$inc', name: 'a non-numeric amount is refused', source: 'rule', doc: {},
    update: { $inc: { n: '1' } }, expect: { refused: 'ERR_INVALID_VALUE', message: /finite number/ },
  },
  // $mul
  {
    page: '$mul', name: 'multiply fields', source: 'example', doc: { _id: 1, item: 'Hats', price: 10.99, quantity: 25 },
    update: { $mul: { price: 1.25, quantity: 2 } },
    expect: { doc: { _id: 1, item: 'Hats', price: 13.7375, quantity: 50 } },
  },
  {
    page: '$mul', name: 'a missing field is set to 0', source: 'example', doc: { _id: 2, item: 'Unknown' },
    update: { $mul: { price: 100 } }, expect: { doc: { _id: 2, item: 'Unknown', price: 0 } },
  },
  // $min / $max
  {
    page: '$min', name: 'a smaller value replaces', source: 'example', doc: { _id: 1, highScore: 800, lowScore: 200 },
    update: { $min: { lowScore: 150 } }, expect: { doc: { _id: 1, highScore: 800, lowScore: 150 } },
  },
  {
    page: '$min', name: 'a greater value changes nothing', source: 'example', doc: { _id: 1, highScore: 800, lowScore: 150 },
    update: { $min: { lowScore: 250 } }, expect: { doc: { _id: 1, highScore: 800, lowScore: 150 } },
  },
  {
    page: '$min', name: 'values of different types compare in BSON order (null < numbers)', source: 'rule',
    doc: { a: 5 }, update: { $min: { a: null } }, expect: { doc: { a: null } },
  },
  {
    page: '$max', name: 'a greater value replaces', source: 'example', doc: { _id: 1, highScore: 800, lowScore: 200 },
    update: { $max: { highScore: 950 } }, expect: { doc: { _id: 1, highScore: 950, lowScore: 200 } },
  },
  {
    page: '$max', name: 'a smaller value changes nothing', source: 'example', doc: { _id: 1, highScore: 950, lowScore: 200 },
    update: { $max: { highScore: 870 } }, expect: { doc: { _id: 1, highScore: 950, lowScore: 200 } },
  },
  {
    page: '$max', name: 'strings sort after numbers', source: 'rule', doc: { a: 5 },
    update: { $max: { a: 'x' } }, expect: { doc: { a: 'x' } },
  },
  {
    page: '$max', name: 'a missing field is set', source: 'rule', doc: {},
    update: { $max: { a: 3 } }, expect: { doc: { a: 3 } },
  },
  // $bit
  {
    page: '$bit', name: 'bitwise and', source: 'example', doc: { _id: 1, expdata: 13 },
    update: { $bit: { expdata: { and: 10 } } }, expect: { doc: { _id: 1, expdata: 8 } },
  },
  {
    page: '$bit', name: 'bitwise or', source: 'example', doc: { _id: 2, expdata: 3 },
    update: { $bit: { expdata: { or: 5 } } }, expect: { doc: { _id: 2, expdata: 7 } },
  },
  {
    page: '$bit', name: 'bitwise xor', source: 'example', doc: { _id: 3, expdata: 1 },
    update: { $bit: { expdata: { xor: 5 } } }, expect: { doc: { _id: 3, expdata: 4 } },
  },
  {
    page: '$bit', name: '64-bit integers are exact (JavaScript operators would cut at 32 bits)', source: 'rule',
    doc: { n: 2 ** 40 + 6 }, update: { $bit: { n: { or: 1 } } }, expect: { doc: { n: 2 ** 40 + 7 } },
  },
  {
    page: '$bit', name: 'a 64-bit operand is exact', source: 'rule',
    doc: { n: 2 ** 40 + 6 }, update: { $bit: { n: { and: 2 ** 40 + 2 } } }, expect: { doc: { n: 2 ** 40 + 2 } },
  },
  {
    page: '$bit', name: 'negative numbers are two\'s complement', source: 'rule',
    doc: { n: 5 }, update: { $bit: { n: { xor: -1 } } }, expect: { doc: { n: -6 } },
  },
  {
    page: '$bit', name: 'only integer fields', source: 'rule', doc: { n: 1.5 },
    update: { $bit: { n: { and: 1 } } }, expect: { fails: /non-integer number/ },
  },
  {
    page: '$bit', name: 'beyond 2^53 a JSON number is no exact integer: refused, never rounded', source: 'rule',
    doc: { n: 2 ** 60 }, update: { $bit: { n: { or: 1 } } }, expect: { fails: /not an exact integer/ },
  },
];
