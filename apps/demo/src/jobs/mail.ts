import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One e-mail. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: a folder of `.eml` files by default (Django's file-based e-mail backend). */
export interface Mailer {
  send(mail: Mail): Promise<string>;
}

let sequence = 0;

/** Writes each e-mail as an RFC 5322 `.eml` file in `dir`; returns the file path. */
export function fileMailer(dir: string, from = 'board@localhost'): Mailer {
  return {
    async send(mail) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${Date.now()}-${process.pid}-${++sequence}.eml`);
      const subject = `=?utf-8?B?${Buffer.from(mail.subject).toString('base64')}?=`;
      writeFileSync(
        file,
        `From: ${from}\r\nTo: ${mail.to}\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${mail.text}\r\n`,
      );
      return file;
    },
  };
}
