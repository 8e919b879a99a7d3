import type { ConformanceCase } from './case.js';

/** `$[]`, `$[<identifier>]` and arrayFilters; conditions in arrayFilters and `if` are checked too. */
const questions = {
  _id: 1,
  grades: [
    { type: 'quiz', questions: [10, 8, 5] },
    { type: 'quiz', questions: [8, 9, 6] },
    { type: 'hw', questions: [5, 4, 3] },
    { type: 'exam', questions: [25, 10, 23, 0] },
  ],
};

const grades = {
  _id: 4,
  grades: [
    { grade: 80, mean: 75, std: 8 },
    { grade: 85, mean: 90, std: 5 },
    { grade: 85, mean: 85, std: 8 },
  ],
};

export const POSITIONAL_CASES: readonly ConformanceCase[] = [
  // $[]
  {
    page: '$[]', name: 'update all elements', source: 'example', doc: { _id: 1, grades: [85, 82, 80] },
    update: { $inc: { 'grades.$[]': 10 } }, expect: { doc: { _id: 1, grades: [95, 92, 90] } },
  },
  {
    page: '$[]', name: 'update all documents in an array', source: 'example', doc: grades,
    update: { $inc: { 'grades.$[].std': -2 } },
    expect: { doc: { _id: 4, grades: [{ grade: 80, mean: 75, std: 6 }, { grade: 85, mean: 90, std: 3 }, { grade: 85, mean: 85, std: 6 }] } },
  },
  {
    page: '$[]', name: 'with $[<identifier>] for nested arrays', source: 'example', doc: questions,
    update: { $inc: { 'grades.$[].questions.$[score]': 2 } }, arrayFilters: [{ score: { $gte: 8 } }],
    expect: {
      doc: {
        _id: 1,
        grades: [
          { type: 'quiz', questions: [12, 10, 5] },
          { type: 'quiz', questions: [10, 11, 6] },
          { type: 'hw', questions: [5, 4, 3] },
          { type: 'exam', questions: [27, 12, 25, 0] },
        ],
      },
    },
  },
  {
    page: '$[]', name: 'the array must exist', source: 'server', doc: { a: 1 },
    update: { $set: { 'l.$[]': 1 } }, expect: { fails: /the path 'l' must exist in the document in order to apply array updates/ },
  },
  {
    page: '$[]', name: 'every segment before it must exist, for any operator', source: 'server', doc: { a: 1 },
    update: { $pull: { 'x.l.$[]': 1 } }, expect: { fails: /the path 'x' must exist/ },
  },
  {
    page: '$[]', name: 'the element must be an array', source: 'server', doc: { l: 5 },
    update: { $set: { 'l.$[]': 1 } }, expect: { fails: /cannot apply array updates to non-array element \{l: 5\}/ },
  },
  {
    page: '$[]', name: 'no field is created inside a null element', source: 'server', doc: { l: [{ a: 1 }, null] },
    update: { $set: { 'l.$[].b': 1 } }, expect: { fails: /cannot create field 'b' in element \{1: null\}/ },
  },
  {
    page: '$[]', name: 'an empty array: nothing', source: 'server', doc: { l: [] },
    update: { $set: { 'l.$[].x': 1 } }, expect: { doc: { l: [] } },
  },
  // $[<identifier>]
  {
    page: '$[<identifier>]', name: 'update the elements that match', source: 'example', doc: { _id: 2, grades: [98, 100, 102] },
    update: { $set: { 'grades.$[element]': 100 } }, arrayFilters: [{ element: { $gte: 100 } }],
    expect: { doc: { _id: 2, grades: [98, 100, 100] } },
  },
  {
    page: '$[<identifier>]', name: 'update the documents that match', source: 'example', doc: grades,
    update: { $set: { 'grades.$[elem].mean': 100 } }, arrayFilters: [{ 'elem.grade': { $gte: 85 } }],
    expect: { doc: { _id: 4, grades: [{ grade: 80, mean: 75, std: 8 }, { grade: 85, mean: 100, std: 5 }, { grade: 85, mean: 100, std: 8 }] } },
  },
  {
    page: '$[<identifier>]', name: 'several conditions on one identifier', source: 'example', doc: grades,
    update: { $inc: { 'grades.$[elem].std': -1 } }, arrayFilters: [{ 'elem.grade': { $gte: 80 }, 'elem.std': { $gt: 5 } }],
    expect: { doc: { _id: 4, grades: [{ grade: 80, mean: 75, std: 7 }, { grade: 85, mean: 90, std: 5 }, { grade: 85, mean: 85, std: 7 }] } },
  },
  {
    page: '$[<identifier>]', name: 'no element matches: nothing', source: 'rule', doc: { l: [1, 2] },
    update: { $set: { 'l.$[x]': 0 } }, arrayFilters: [{ x: { $gt: 5 } }], expect: { doc: { l: [1, 2] } },
  },
  {
    page: '$[<identifier>]', name: 'two filters with the same identifier are refused', source: 'server', doc: { l: [1, 2] },
    update: { $set: { 'l.$[x]': 0 } }, arrayFilters: [{ x: { $gt: 0 } }, { x: { $lt: 2 } }],
    expect: { refused: 'ERR_INVALID_CONDITION', message: /multiple array filters with the same top-level identifier 'x'/ },
  },
  {
    page: '$[<identifier>]', name: 'an identifier without a filter is refused', source: 'rule', doc: { l: [1] },
    update: { $set: { 'l.$[x]': 0 } }, expect: { refused: 'ERR_INVALID_PATH', message: /no array filter for the identifier 'x'/ },
  },
  {
    page: '$[<identifier>]', name: 'a filter for an identifier the update does not use is refused', source: 'rule', doc: { l: [1] },
    update: { $set: { 'l.$[x]': 0 } }, arrayFilters: [{ x: 1 }, { y: 1 }],
    expect: { refused: 'ERR_INVALID_CONDITION', message: /matches no '\$\[y\]'/ },
  },
  {
    page: '$[<identifier>]', name: '$in with a non-array in a filter is refused naming it', source: 'server', doc: { l: [1] },
    update: { $set: { 'l.$[x]': 0 } }, arrayFilters: [{ x: { $in: 5 } }],
    expect: { refused: 'ERR_INVALID_CONDITION', message: /arrayFilters\[0\] 'x': \$in needs an array/ },
  },
  {
    page: '$[<identifier>]', name: 'an unknown operator in a filter is refused naming it', source: 'server', doc: { l: [1] },
    update: { $set: { 'l.$[x]': 0 } }, arrayFilters: [{ x: { $foo: 5 } }],
    expect: { refused: 'ERR_INVALID_CONDITION', message: /arrayFilters\[0\] 'x': unknown query operator '\$foo'/ },
  },
  {
    page: '$[<identifier>]', name: 'a bad regular expression in a filter is refused', source: 'server', doc: { l: ['a'] },
    update: { $set: { 'l.$[x]': 'b' } }, arrayFilters: [{ x: { $regex: '(' } }],
    expect: { refused: 'ERR_INVALID_CONDITION', message: /arrayFilters\[0\] 'x': \$regex is not a valid pattern/ },
  },
];
