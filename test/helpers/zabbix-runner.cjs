// Runs a Zabbix webhook script the way Zabbix does: the script is a function body given `value` (JSON params),
// with a synchronous HttpRequest and Zabbix.log. Input on stdin: {script, params}. Output: {result} or {error}.
// HttpRequest.post blocks, as in Zabbix, by running the request in a child process.
const { execFileSync } = require('node:child_process');
const vm = require('node:vm');

const poster = `
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', async () => {
  const { url, headers, body } = JSON.parse(input);
  const res = await fetch(url, { method: 'POST', headers, body });
  process.stdout.write(JSON.stringify({ status: res.status, body: await res.text() }));
});`;

class HttpRequest {
  constructor() {
    this.headers = {};
    this.status = 0;
  }
  addHeader(line) {
    const at = line.indexOf(':');
    this.headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  setProxy() {}
  post(url, body) {
    const out = execFileSync(process.execPath, ['-e', poster], { input: JSON.stringify({ url, headers: this.headers, body }) });
    const { status, body: text } = JSON.parse(out.toString());
    this.status = status;
    return text;
  }
  getStatus() {
    return this.status;
  }
}

let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const { script, params } = JSON.parse(input);
  const log = [];
  const context = vm.createContext({ HttpRequest, Zabbix: { log: (level, message) => log.push([level, message]) } });
  try {
    const run = vm.runInContext(`(function (value) {\n${script}\n})`, context);
    process.stdout.write(JSON.stringify({ result: run(JSON.stringify(params)), log }));
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error), log }));
  }
});
