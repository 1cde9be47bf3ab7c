// dynalite on its own thread, so the embedded store does not compete with the HTTP server for one core.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite(workerData.options);
server.once('error', (err) => parentPort.postMessage({ error: String(err) }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (msg) => {
  if (msg === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
