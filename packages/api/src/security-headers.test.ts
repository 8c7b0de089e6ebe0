import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerKindOf, securityHeaders } from './security-headers.ts';

describe('security headers by kind of answer', () => {
  it('treats the API, its documents and the docs page\'s spec as API answers, /docs as the docs page, the rest as pages', () => {
    assert.equal(answerKindOf('/api/v1/meters?limit=1'), 'api');
    assert.equal(answerKindOf('/openapi.json'), 'api');
    assert.equal(answerKindOf('/docs/json'), 'api');
    assert.equal(answerKindOf('/docs'), 'docs');
    assert.equal(answerKindOf('/docs/static/swagger-ui-bundle.js'), 'docs');
    assert.equal(answerKindOf('/'), 'page');
    assert.equal(answerKindOf('/assets/index-1.js'), 'page');
    // A path that only starts like one of them is a page.
    assert.equal(answerKindOf('/apiary'), 'page');
    assert.equal(answerKindOf('/docsearch'), 'page');
  });

  it('never allows inline scripts or eval in any policy', () => {
    for (const url of ['/', '/docs', '/api/v1/session']) {
      const csp = securityHeaders(url)['content-security-policy'] ?? '';
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
    }
  });
});
