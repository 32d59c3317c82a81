/**
 * What an integrator installs: `npm pack` ships only what Node-RED needs, package.json declares
 * what the palette manager and the flow library read, and every node has its editor, help, icon
 * and an example.
 */
import assert from 'assert';
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { ROOT } from '../helpers/red';

describe('package', function () {
  this.timeout(120000);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const nodes: Record<string, string> = pkg['node-red'].nodes;

  it('declares the node-red keyword, version range, engines and license', () => {
    assert.ok(pkg.keywords.includes('node-red'));
    assert.strictEqual(pkg['node-red'].version, '>=3.1.0');
    assert.ok(/^>=\s*20/.test(pkg.engines.node), pkg.engines.node);
    assert.strictEqual(pkg.license, 'Apache-2.0');
    assert.ok(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8').includes('Apache License'));
    assert.ok(Object.keys(nodes).length >= 2);
  });

  it('npm pack ships built JS, HTML, locales, icons, the editor resources, examples, flows, README and LICENSE only', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/nodes\/.+\.(js|html|svg|json)|icons\/.+\.svg|resources\/(rel-editor|limits)\.js|examples\/.+\.json|flows\/.+\.json)$/;
    const stray = files.filter((f) => !allowed.test(f));
    assert.deepStrictEqual(stray, [], `unexpected files in the package: ${stray.join(', ')}`);
    assert.ok(!files.some((f) => f.startsWith('dist/test') || f.startsWith('dist/bench') || f.endsWith('.ts') || f.endsWith('.map')));
    for (const [type, file] of Object.entries(nodes)) {
      assert.ok(files.includes(file), `${type}: ${file} not packed`);
      assert.ok(files.includes(file.replace(/\.js$/, '.html')), `${type}: editor HTML not packed`);
      assert.ok(files.some((f) => f.startsWith(path.posix.join(path.posix.dirname(file), 'icons/'))), `${type}: icons not packed beside the node`);
      for (const lang of ['en-US', 'de']) {
        for (const ext of ['json', 'html']) assert.ok(files.includes(path.posix.join(path.posix.dirname(file), 'locales', lang, `${type}.${ext}`)), `${type}: locales/${lang}/${type}.${ext} not packed`);
      }
    }
    for (const f of ['resources/rel-editor.js', 'resources/limits.js']) assert.ok(files.includes(f), `${f} packed (the shared editor module)`);
    assert.ok(files.some((f) => f.startsWith('examples/templates/')), 'the flow templates are packed under examples/templates (Import -> Examples)');
  });

  it('every node has a help text with a tooltip paragraph and, if it takes input, an example flow', () => {
    for (const [type, file] of Object.entries(nodes)) {
      const html = fs.readFileSync(path.join(ROOT, file.replace(/\.js$/, '.html')), 'utf8');
      assert.ok(html.includes(`registerType('${type}'`) || html.includes(`registerType("${type}"`), `${type}: editor does not register the type`);
      // the help is in the editor HTML or in the English help file of the node's locales
      const enHelp = path.join(ROOT, path.dirname(file), 'locales', 'en-US', `${type}.html`);
      const helpHtml = html.includes(`data-help-name="${type}"`) ? html : fs.readFileSync(enHelp, 'utf8');
      const help = helpHtml.split(`data-help-name="${type}"`)[1];
      assert.ok(help && /<p>[^<]{20,}/.test(help), `${type}: help has no tooltip paragraph`);
      const isConfig = /category:\s*['"]config['"]/.test(html);
      if (!isConfig) {
        assert.ok(/category:\s*['"]reliability['"]/.test(html), `${type}: not in the reliability palette category`);
        for (const h of ['Inputs', 'Outputs', 'Details']) assert.ok(help.includes(`<h3>${h}</h3>`), `${type}: help has no ${h} section`);
        const dir = path.join(ROOT, 'examples', type);
        const examples = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
        assert.ok(examples.length > 0, `${type}: no example in examples/${type}/`);
        for (const ex of examples) {
          const flow = JSON.parse(fs.readFileSync(path.join(dir, ex), 'utf8'));
          assert.ok(Array.isArray(flow) && flow.some((n: { type: string }) => n.type === type), `${ex}: does not use ${type}`);
          assert.ok(flow.some((n: { type: string }) => n.type === 'comment'), `${ex}: starts without a comment node`);
        }
      }
    }
  });
});
