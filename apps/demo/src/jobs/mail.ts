import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';

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

/** Sends through an SMTP server (`smtp://user:pass@host:587`, `smtps://…:465`) with nodemailer; returns the message id. */
export function smtpMailer(url: string, from = 'board@localhost'): Mailer {
  const transport = createTransport(url);
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      return info.messageId;
    },
  };
}

/** The mailer the settings ask for: SMTP when `emailUrl` is set, else `.eml` files in `outboxDir`. */
export function mailerFor(emailUrl: string | undefined, outboxDir: string, from?: string): Mailer {
  return emailUrl ? smtpMailer(emailUrl, from) : fileMailer(outboxDir, from);
}
