/** The least every signal's args carry: who sent it. */
export interface SignalArgs {
  /** The sender passed to `send(sender, payload)`: a class, a constructor or any value. */
  sender: unknown;
}

/** A receiver takes one args object, `{ sender, ...payload }`. */
export type Receiver<Args extends SignalArgs = SignalArgs, Result = unknown> = (args: Args) => Result | Promise<Result>;

/** The sender type of a signal's args. */
export type SenderOf<Args extends SignalArgs> = Args['sender'];

/** What `send` takes besides the sender: the args without `sender`. */
export type PayloadOf<Args extends SignalArgs> = Omit<Args, 'sender'>;

/** The payload parameter of the send methods: optional when every payload field is. */
export type PayloadParam<Args extends SignalArgs> =
  // biome-ignore lint/complexity/noBannedTypes: `{}` is the "no required field" test here.
  {} extends PayloadOf<Args> ? [payload?: PayloadOf<Args>] : [payload: PayloadOf<Args>];

/** One receiver's outcome: the receiver and what it returned. */
export type ReceiverResult<Args extends SignalArgs, Result> = [receiver: Receiver<Args, Result>, result: Result];

/** One receiver's outcome in a robust send: what it returned, or the `Error` it threw. */
export type RobustResult<Args extends SignalArgs, Result> = [receiver: Receiver<Args, Result>, result: Result | Error];

/** Options of {@link Signal.connect}. */
export interface ConnectOptions<Sender = unknown> {
  /**
   * Only receive sends from this sender (compared with `===`, as Django compares ids: a
   * subclass sender does not match its base class). `undefined` receives every send.
   * @defaultValue `undefined`
   */
  sender?: Sender | undefined;
  /**
   * A unique id for this connection: a second `connect` with the same id (and sender) is a
   * no-op, so a module that runs twice (hot reload, a test re-import) does not connect twice.
   * @defaultValue `undefined` (the receiver function itself is the id)
   */
  dispatchUid?: string | symbol | undefined;
  /**
   * Hold the receiver through a `WeakRef`: once nothing else references it, it is garbage
   * collected and silently disconnected. Keep a reference to the function you pass.
   * @defaultValue `false` (Django's default is weak; inline arrow functions make that a trap in JS)
   */
  weak?: boolean | undefined;
}

/** Options of {@link Signal.disconnect}. */
export interface DisconnectOptions<Sender = unknown> {
  /** The sender the receiver was connected with. */
  sender?: Sender | undefined;
  /** The `dispatchUid` the receiver was connected with. */
  dispatchUid?: string | symbol | undefined;
}

/** Options of {@link Signal} and {@link signal}. */
export interface SignalOptions {
  /**
   * A name for error messages and {@link onAny} observers.
   * @defaultValue `'signal'`
   */
  name?: string | undefined;
}
