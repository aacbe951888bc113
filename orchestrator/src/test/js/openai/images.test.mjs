// The official openai client against the orchestrator's OpenAI Images routes.
// Usage: node images.test.mjs BASE_URL IMAGE_PNG MASK_PNG   (BASE_URL ends in /v1; the PNGs are RGBA, the mask
// transparent where the image is to be edited). Run by OpenAiClientTest; exits non-zero when a check fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import OpenAI, { toFile } from 'openai';

const [baseURL, imagePath, maskPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.REFINERS_API_KEY ?? 'unused', maxRetries: 0 });
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

function assertPngs(response, n) {
  assert.equal(response.data.length, n);
  for (const image of response.data) assert.deepEqual(Buffer.from(image.b64_json, 'base64').subarray(0, 4), PNG);
  assert.equal(typeof response.created, 'number');
}

test('generations with n=2 answer two PNGs', async () => {
  const response = await client.images.generate({ prompt: 'a lighthouse', n: 2, size: '64x64', response_format: 'b64_json' });
  assertPngs(response, 2);
});

test('an edit repaints the transparent part of the mask', async () => {
  const response = await client.images.edit({
    image: await toFile(fs.createReadStream(imagePath), 'image.png', { type: 'image/png' }),
    mask: await toFile(fs.createReadStream(maskPath), 'mask.png', { type: 'image/png' }),
    prompt: 'a red sofa',
    size: '64x64',
  });
  assertPngs(response, 1);
});

test('a url response_format is a BadRequestError naming the field', async () => {
  await assert.rejects(client.images.generate({ prompt: 'a lighthouse', size: '64x64', response_format: 'url' }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.param, 'response_format');
    assert.match(e.message, /url is not served/);
    return true;
  });
});
