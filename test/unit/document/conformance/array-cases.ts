import type { ConformanceCase } from './case.js';

/** Array update operators: $push (and its modifiers) $addToSet $pop $pull $pullAll. */
export const ARRAY_CASES: readonly ConformanceCase[] = [
  // $push
  {
    page: '$push', name: 'append a value', source: 'example', doc: { _id: 1, scores: [44, 78, 38, 80] },
    update: { $push: { scores: 89 } }, expect: { doc: { _id: 1, scores: [44, 78, 38, 80, 89] } },
  },
  {
    page: '$push', name: 'append several values with $each', source: 'example', doc: { name: 'joe', scores: [1] },
    update: { $push: { scores: { $each: [90, 92, 85] } } }, expect: { doc: { name: 'joe', scores: [1, 90, 92, 85] } },
  },
  {
    page: '$push', name: 'an array value is pushed as one element', source: 'rule', doc: { l: [1] },
    update: { $push: { l: [2, 3] } }, expect: { doc: { l: [1, [2, 3]] } },
  },
  {
    page: '$push', name: 'a missing field becomes an array of the value', source: 'rule', doc: {},
    update: { $push: { l: 1 } }, expect: { doc: { l: [1] } },
  },
  {
    page: '$push', name: 'a non-array field is an error', source: 'rule', doc: { l: 5 },
    update: { $push: { l: 1 } }, expect: { fails: /cannot apply \$push to a value of type number/ },
  },
  {
    page: '$push', name: '$each, $sort and $slice together', source: 'example',
    doc: { _id: 5, quizzes: [{ wk: 1, score: 10 }, { wk: 2, score: 8 }, { wk: 3, score: 5 }, { wk: 4, score: 6 }] },
    update: { $push: { quizzes: { $each: [{ wk: 5, score: 8 }, { wk: 6, score: 7 }, { wk: 7, score: 6 }], $sort: { score: -1 }, $slice: 3 } } },
    expect: { doc: { _id: 5, quizzes: [{ wk: 1, score: 10 }, { wk: 2, score: 8 }, { wk: 5, score: 8 }] } },
  },
  {
    page: '$push', name: 'modifiers apply in the order position, sort, slice whatever their order', source: 'rule',
    doc: { l: [3, 1] }, update: { $push: { l: { $slice: 2, $sort: 1, $each: [2] } } }, expect: { doc: { l: [1, 2] } },
  },
  {
    page: '$push', name: 'a missing array is created with the modifiers applied', source: 'rule', doc: {},
    update: { $push: { l: { $each: [3, 1, 2], $sort: 1, $slice: 2 } } }, expect: { doc: { l: [1, 2] } },
  },
  {
    page: '$push', name: '$each [] creates an empty array', source: 'server', doc: {},
    update: { $push: { l: { $each: [] } } }, expect: { doc: { l: [] } },
  },
  {
    page: '$push', name: '$slice without $each is refused with a message naming $each', source: 'server', doc: { l: [1] },
    update: { $push: { l: { $slice: 1 } } }, expect: { refused: 'ERR_INVALID_VALUE', message: /\$slice needs \$each/ },
  },
  // $position
  {
    page: '$position', name: 'add at the start', source: 'example', doc: { _id: 1, scores: [100] },
    update: { $push: { scores: { $each: [50, 60, 70], $position: 0 } } }, expect: { doc: { _id: 1, scores: [50, 60, 70, 100] } },
  },
  {
    page: '$position', name: 'add in the middle', source: 'example', doc: { _id: 2, scores: [50, 60, 70, 100] },
    update: { $push: { scores: { $each: [20, 30], $position: 2 } } }, expect: { doc: { _id: 2, scores: [50, 60, 20, 30, 70, 100] } },
  },
  {
    page: '$position', name: 'a negative position counts from the end', source: 'example', doc: { _id: 3, scores: [50, 60, 20, 30, 70, 100] },
    update: { $push: { scores: { $each: [90, 80], $position: -2 } } },
    expect: { doc: { _id: 3, scores: [50, 60, 20, 30, 90, 80, 70, 100] } },
  },
  {
    page: '$position', name: 'a position past the end appends; one before the start prepends', source: 'rule', doc: { a: [1, 2], b: [1, 2] },
    update: { $push: { a: { $each: [9], $position: 10 }, b: { $each: [9], $position: -10 } } },
    expect: { doc: { a: [1, 2, 9], b: [9, 1, 2] } },
  },
  // $slice
  {
    page: '$slice', name: 'keep the last elements', source: 'example', doc: { _id: 1, scores: [40, 50, 60] },
    update: { $push: { scores: { $each: [80, 78, 86], $slice: -5 } } }, expect: { doc: { _id: 1, scores: [50, 60, 80, 78, 86] } },
  },
  {
    page: '$slice', name: 'keep the first elements', source: 'example', doc: { _id: 2, scores: [89, 90] },
    update: { $push: { scores: { $each: [100, 20], $slice: 3 } } }, expect: { doc: { _id: 2, scores: [89, 90, 100] } },
  },
  {
    page: '$slice', name: 'slice without adding', source: 'example', doc: { _id: 3, scores: [89, 70, 100, 20] },
    update: { $push: { scores: { $each: [], $slice: -3 } } }, expect: { doc: { _id: 3, scores: [70, 100, 20] } },
  },
  {
    page: '$slice', name: '$slice 0 empties the array', source: 'rule', doc: { l: [1, 2] },
    update: { $push: { l: { $each: [3], $slice: 0 } } }, expect: { doc: { l: [] } },
  },
  // $sort
  {
    page: '$sort', name: 'sort documents by a field', source: 'example', doc: { _id: 1, quizzes: [{ id: 1, score: 6 }, { id: 2, score: 9 }] },
    update: { $push: { quizzes: { $each: [{ id: 3, score: 8 }, { id: 4, score: 7 }, { id: 5, score: 6 }], $sort: { score: 1 } } } },
    expect: { doc: { _id: 1, quizzes: [{ id: 1, score: 6 }, { id: 5, score: 6 }, { id: 4, score: 7 }, { id: 3, score: 8 }, { id: 2, score: 9 }] } },
  },
  {
    page: '$sort', name: 'sort values', source: 'example', doc: { _id: 2, tests: [89, 70, 89, 50] },
    update: { $push: { tests: { $each: [40, 60], $sort: 1 } } }, expect: { doc: { _id: 2, tests: [40, 50, 60, 70, 89, 89] } },
  },
  {
    page: '$sort', name: 'sort only', source: 'example', doc: { _id: 3, tests: [89, 70, 100, 20] },
    update: { $push: { tests: { $each: [], $sort: -1 } } }, expect: { doc: { _id: 3, tests: [100, 89, 70, 20] } },
  },
  {
    page: '$sort', name: 'mixed types sort in BSON order', source: 'rule', doc: { l: [true, 'b', 2, null, { a: 1 }, [1]] },
    update: { $push: { l: { $each: [], $sort: 1 } } }, expect: { doc: { l: [null, 2, 'b', { a: 1 }, [1], true] } },
  },
  // $addToSet
  {
    page: '$addToSet', name: 'an array value is added as one element', source: 'example', doc: { _id: 1, letters: ['a', 'b'] },
    update: { $addToSet: { letters: ['c', 'd'] } }, expect: { doc: { _id: 1, letters: ['a', 'b', ['c', 'd']] } },
  },
  {
    page: '$addToSet', name: 'add a value not present', source: 'example', doc: { _id: 1, item: 'polarizing_filter', tags: ['electronics', 'camera'] },
    update: { $addToSet: { tags: 'accessories' } },
    expect: { doc: { _id: 1, item: 'polarizing_filter', tags: ['electronics', 'camera', 'accessories'] } },
  },
  {
    page: '$addToSet', name: 'a value present: nothing', source: 'example', doc: { _id: 1, tags: ['electronics', 'camera', 'accessories'] },
    update: { $addToSet: { tags: 'camera' } }, expect: { doc: { _id: 1, tags: ['electronics', 'camera', 'accessories'] } },
  },
  {
    page: '$addToSet', name: 'with $each: only the values not present', source: 'example', doc: { _id: 2, item: 'cable', tags: ['electronics', 'supplies'] },
    update: { $addToSet: { tags: { $each: ['camera', 'electronics', 'accessories'] } } },
    expect: { doc: { _id: 2, item: 'cable', tags: ['electronics', 'supplies', 'camera', 'accessories'] } },
  },
  {
    page: '$addToSet', name: 'a non-array field is an error', source: 'example', doc: { _id: 1, colors: 'blue,green,red' },
    update: { $addToSet: { colors: 'mauve' } }, expect: { fails: /cannot apply \$addToSet to a value of type string/ },
  },
  {
    page: '$addToSet', name: 'a missing field becomes an array of the value', source: 'rule', doc: {},
    update: { $addToSet: { l: 'a' } }, expect: { doc: { l: ['a'] } },
  },
  {
    page: '$addToSet', name: 'existing duplicates are not affected, a new value is added', source: 'rule', doc: { l: [1, 1, 2] },
    update: { $addToSet: { l: 3 } }, expect: { doc: { l: [1, 1, 2, 3] } },
  },
  {
    page: '$addToSet', name: 'existing duplicates stay when the value is present', source: 'rule', doc: { l: [1, 1, 2] },
    update: { $addToSet: { l: { $each: [1, 2] } } }, expect: { doc: { l: [1, 1, 2] } },
  },
  {
    page: '$addToSet', name: 'no duplicates from within $each', source: 'rule', doc: { l: [0] },
    update: { $addToSet: { l: { $each: [1, 1, 2, 1] } } }, expect: { doc: { l: [0, 1, 2] } },
  },
  {
    page: '$addToSet', name: 'no duplicates from within $each when it creates the array', source: 'rule', doc: {},
    update: { $addToSet: { l: { $each: ['x', 'x'] } } }, expect: { doc: { l: ['x'] } },
  },
  {
    page: '$addToSet', name: 'a document is a duplicate only with the same fields in the same order', source: 'rule',
    doc: { l: [{ a: 1, b: 2 }] }, update: { $addToSet: { l: { $each: [{ b: 2, a: 1 }, { a: 1, b: 2 }] } } },
    expect: { doc: { l: [{ a: 1, b: 2 }, { b: 2, a: 1 }] } },
  },
  // $pop
  {
    page: '$pop', name: 'remove the first element', source: 'example', doc: { _id: 1, scores: [8, 9, 10] },
    update: { $pop: { scores: -1 } }, expect: { doc: { _id: 1, scores: [9, 10] } },
  },
  {
    page: '$pop', name: 'remove the last element', source: 'example', doc: { _id: 10, scores: [9, 10] },
    update: { $pop: { scores: 1 } }, expect: { doc: { _id: 10, scores: [9] } },
  },
  {
    page: '$pop', name: 'a non-array field is an error', source: 'rule', doc: { l: 'x' },
    update: { $pop: { l: 1 } }, expect: { fails: /cannot apply \$pop/ },
  },
  // $pull
  {
    page: '$pull', name: 'remove values equal to a value or in a list', source: 'example',
    doc: { _id: 1, fruits: ['apples', 'pears', 'oranges', 'grapes', 'bananas'], vegetables: ['carrots', 'celery', 'squash', 'carrots'] },
    update: { $pull: { fruits: { $in: ['apples', 'oranges'] }, vegetables: 'carrots' } },
    expect: { doc: { _id: 1, fruits: ['pears', 'grapes', 'bananas'], vegetables: ['celery', 'squash'] } },
  },
  {
    page: '$pull', name: 'remove values that match a condition', source: 'example', doc: { _id: 1, votes: [3, 5, 6, 7, 7, 8] },
    update: { $pull: { votes: { $gte: 6 } } }, expect: { doc: { _id: 1, votes: [3, 5] } },
  },
  {
    page: '$pull', name: 'remove documents matching a query', source: 'example',
    doc: { _id: 1, results: [{ item: 'A', score: 5 }, { item: 'B', score: 8 }] },
    update: { $pull: { results: { score: 8, item: 'B' } } }, expect: { doc: { _id: 1, results: [{ item: 'A', score: 5 }] } },
  },
  {
    page: '$pull', name: 'no matching document: nothing', source: 'example',
    doc: { _id: 2, results: [{ item: 'C', score: 8 }, { item: 'B', score: 4 }] },
    update: { $pull: { results: { score: 8, item: 'B' } } }, expect: { doc: { _id: 2, results: [{ item: 'C', score: 8 }, { item: 'B', score: 4 }] } },
  },
  {
    page: '$pull', name: 'remove documents from nested arrays with $elemMatch', source: 'example',
    doc: { _id: 1, results: [{ item: 'A', score: 5, answers: [{ q: 1, a: 4 }, { q: 2, a: 6 }] }, { item: 'B', score: 8, answers: [{ q: 1, a: 8 }, { q: 2, a: 9 }] }] },
    update: { $pull: { results: { answers: { $elemMatch: { q: 2, a: { $gte: 8 } } } } } },
    expect: { doc: { _id: 1, results: [{ item: 'A', score: 5, answers: [{ q: 1, a: 4 }, { q: 2, a: 6 }] }] } },
  },
  {
    page: '$pull', name: 'an array value removes exact matches only, order included', source: 'rule',
    doc: { l: [[1, 2], [2, 1], [1, 2, 3], 1] }, update: { $pull: { l: [1, 2] } }, expect: { doc: { l: [[2, 1], [1, 2, 3], 1] } },
  },
  {
    page: '$pull', name: 'a scalar never removes an array that contains it', source: 'rule',
    doc: { l: [1, [1, 2], 2] }, update: { $pull: { l: 1 } }, expect: { doc: { l: [[1, 2], 2] } },
  },
  {
    page: '$pull', name: 'a missing field: nothing', source: 'rule', doc: { a: 1 },
    update: { $pull: { l: 1 } }, expect: { doc: { a: 1 } },
  },
  {
    page: '$pull', name: 'an unknown operator in the condition is refused naming it and the path', source: 'server', doc: { l: [1] },
    update: { $pull: { l: { $nope: 1 } } }, expect: { refused: 'ERR_INVALID_CONDITION', message: /\$pull 'l': unknown query operator '\$nope'/ },
  },
  // $pullAll
  {
    page: '$pullAll', name: 'remove all instances of the values', source: 'example', doc: { _id: 1, scores: [0, 2, 5, 5, 1, 0] },
    update: { $pullAll: { scores: [0, 5] } }, expect: { doc: { _id: 1, scores: [2, 1] } },
  },
  {
    page: '$pullAll', name: 'documents and arrays match exactly, including order', source: 'rule',
    doc: { l: [{ a: 1, b: 2 }, { b: 2, a: 1 }, [1, 2], [2, 1], [1]] }, update: { $pullAll: { l: [{ a: 1, b: 2 }, [1, 2]] } },
    expect: { doc: { l: [{ b: 2, a: 1 }, [2, 1], [1]] } },
  },
  {
    page: '$pullAll', name: 'a scalar never removes an array that contains it', source: 'rule',
    doc: { l: [1, [1], 2] }, update: { $pullAll: { l: [1] } }, expect: { doc: { l: [[1], 2] } },
  },
];
