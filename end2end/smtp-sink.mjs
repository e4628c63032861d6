// A mail sink for tests: a real SMTP server on loopback that accepts any mail
// without authentication or TLS and prints it on stdout, one JSON line each.
//
//   node smtp-sink.mjs [PORT]      (PORT 0 or none: any free port)
//
// The first line says where it listens: {"listening": 2525}. Then one line
// per message: {"from": "...", "to": ["..."], "data": "<the raw message>"}.
// Recipients at reject.test are refused permanently (550) and those at
// defer.test temporarily (451), so a test can see both kinds of failure.
// It stops when its standard input closes (its parent went away) or on
// SIGTERM/SIGINT.

import { SMTPServer } from 'smtp-server';

const port = Number(process.argv[2] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: node smtp-sink.mjs [PORT]; '${process.argv[2]}' is not a port`);
  process.exit(2);
}

function smtpError(code, message) {
  const error = new Error(message);
  error.responseCode = code;
  return error;
}

const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  banner: 'Gatehouse test mail sink',
  size: 10 * 1024 * 1024,
  logger: false,
  onRcptTo(address, _session, callback) {
    const domain = address.address.split('@').pop().toLowerCase();
    if (domain === 'reject.test') return callback(smtpError(550, 'No such user here'));
    if (domain === 'defer.test') return callback(smtpError(451, 'Try again later'));
    return callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      if (stream.sizeExceeded) return callback(smtpError(552, 'Message too large'));
      const line = JSON.stringify({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        data: Buffer.concat(chunks).toString('utf8'),
      });
      // Written before the 250 reply, so a sender that got its answer can
      // rely on the line being there.
      process.stdout.write(`${line}\n`, () => callback());
    });
  },
});

server.on('error', (error) => {
  console.error(`smtp-sink: ${error.message}`);
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.server.address().port })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
