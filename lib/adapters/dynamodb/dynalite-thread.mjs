// dynalite on its own thread, so the embedded store does not compete with the HTTP server for one
// core. It listens on loopback, and answers the requests posted to its port (local.ts,
// ThreadHandler) with the same request handler, as if they had come over a socket.
import { EventEmitter } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { startEngine } from './dynalite.mjs';

const { server, readPartitions } = startEngine(workerData.options);
const handle = server.listeners('request')[0];
server.once('error', (err) => parentPort.postMessage({ error: String(err) }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (msg) => {
  if (msg === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});

const requests = workerData.requests;
requests.on('message', ({ id, method, path, headers, body, partitions }) => {
  if (partitions) {
    // a bulk read of partitions (local.ts, ThreadHandler.readPartitions): the items' JSON, as stored
    readPartitions(partitions).then(
      (items) => requests.postMessage({ id, items }),
      (err) => requests.postMessage({ id, error: String(err?.stack ?? err) }),
    );
    return;
  }
  // what dynalite's handler reads of a request and writes to a response, nothing more
  const req = Object.assign(new EventEmitter(), { method, url: path, headers });
  const res = {
    statusCode: 200,
    headers: {},
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = String(value);
    },
    end(text = '') {
      requests.postMessage({ id, statusCode: this.statusCode, headers: this.headers, body: text });
    },
  };
  handle(req, res);
  if (body !== undefined) req.emit('data', Buffer.from(body));
  req.emit('end');
});
