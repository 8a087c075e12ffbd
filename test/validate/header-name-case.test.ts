// MC3031 (checks/header-name-case.ts): two header names of one route's match.headers, or of one set,
// add or remove of its mutations, that differ only in case are one header named twice.
import { describe, expect, test } from 'vitest';
import { brief, validateRoute } from './support.js';

describe('MC3031: a header named twice in one route', () => {
  test('in match.headers, reported at the second name', () => {
    const d = validateRoute('match: { headers: { X-Version: { exact: "2" }, x-version: { exact: "3" } } }');
    expect(brief(d)).toEqual(['MC3031 services/a.yaml:9:54']);
    expect(d[0]?.severity).toBe('error');
    expect(d[0]?.message).toBe(
      'route `r` names the header `x-version` twice in match.headers: `X-Version` and `x-version` (header names ignore case)',
    );
    expect(d[0]?.hint).toBe('keep one of `X-Version` and `x-version`');
  });

  test('in set, add and remove, request and response, each list on its own', () => {
    const d = validateRoute(
      'headers: { request: { set: { X-A: "1", x-a: "2" }, add: { x-b: "1", X-B: "2" }, remove: [x-c, X-C] },' +
        ' response: { set: { x-d: "1", X-d: "2", x-D: "3" } } }',
    );
    expect(d.map((x) => x.code)).toEqual(Array(5).fill('MC3031'));
    expect(d.map((x) => x.message.split(' twice in ')[1]?.split(':')[0])).toEqual([
      'headers.request.set',
      'headers.request.add',
      'headers.request.remove',
      'headers.response.set',
      'headers.response.set',
    ]);
  });

  test('one name in set and add, names spelt alike in other routes or lists, and distinct names pass', () => {
    expect(
      validateRoute(
        'match: { headers: { x-a: { exact: "1" }, x-b: { present: true } } }\n' +
          '      headers: { request: { set: { X-A: "1" }, add: { x-a: "2" }, remove: [x-b] }, response: { set: { x-a: "1" } } }',
      ),
    ).toEqual([]);
  });
});
