import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeExtension, EXTENSION_ID, fixtureFolder, readFixtureFile } from './helpers.ts';

describe('activation', () => {
  it('the extension is installed', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} not found`);
    assert.equal(ext.packageJSON.name, 'warmline');
  });

  it('activates', async () => {
    const ext = await activeExtension();
    assert.equal(ext.isActive, true);
  });

  it('the fixture workspace folder is open', async () => {
    const folder = fixtureFolder();
    assert.equal(folder.uri.scheme, 'file');
    assert.match(await readFixtureFile('src/math.js'), /function average/);
    assert.match(await readFixtureFile('package.json'), /"test":/);
  });

  it('the runner passes its environment to the extension host', () => {
    assert.equal(process.env.WARMLINE_TEST_ENV_PROBE, 'passed-through');
  });
});
