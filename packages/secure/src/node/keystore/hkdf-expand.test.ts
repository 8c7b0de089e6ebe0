import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hkdfExpandSha256 } from './hkdf-expand.ts';

// RFC 5869 Appendix A, the SHA-256 cases: PRK, info and OKM as published. Each OKM is longer than
// one block; the first 32 bytes are T(1), the only block this implementation produces.
const vectors = [
  {
    name: 'A.1 basic',
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 longer inputs',
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    info: 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf'
      + 'e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09'
      + 'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 empty info',
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    info: '',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
] as const;

for (const vector of vectors) {
  test(`HKDF-Expand matches RFC 5869 ${vector.name} for every length up to one block`, () => {
    const prk = Buffer.from(vector.prk, 'hex');
    const info = Buffer.from(vector.info, 'hex');
    for (const length of [1, 16, 31, 32]) {
      assert.equal(Buffer.from(hkdfExpandSha256(prk, info, length)).toString('hex'), vector.okm.slice(0, 2 * length));
    }
  });
}
