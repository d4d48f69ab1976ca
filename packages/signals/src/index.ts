export type { OnAnyOptions, SignalEvent } from './bus.js';
export { onAny } from './bus.js';
export type { SignalErrorCode } from './errors.js';
export { SignalError } from './errors.js';
export type { M2mRelation, M2mSignalsOptions, SignalingRelation } from './m2m.js';
export { withM2mSignals } from './m2m.js';
export type { ModelArgsOf, ModelClass } from './model-signal.js';
export { ModelSignal } from './model-signal.js';
export type { DeleteArgs, M2mAction, M2mChangedArgs, PostSaveArgs, PreSaveArgs } from './model-signals.js';
export { m2mChanged, postDelete, postSave, preDelete, preSave } from './model-signals.js';
export { receiver } from './receiver.js';
export type { ModelSignalsOptions, Repository, SignalingRepository } from './repository.js';
export { withModelSignals } from './repository.js';
export type {
  GotRequestExceptionArgs,
  RequestFinishedArgs,
  RequestSignalsOptions,
  RequestStartedArgs,
} from './request-signals.js';
export { gotRequestException, requestFinished, requestSignals, requestStarted } from './request-signals.js';
export type { TransactionRunner } from './runner.js';
export { sqlTransactionRunner } from './runner.js';
export { Signal, signal } from './signal.js';
export type {
  ConnectOptions,
  DisconnectOptions,
  PayloadOf,
  PayloadParam,
  Receiver,
  ReceiverResult,
  RobustResult,
  SenderOf,
  SignalArgs,
  SignalOptions,
} from './signal-types.js';
export type { AtomicOptions, OnCommitOptions } from './transaction.js';
export { atomic, inAtomicBlock, onCommit } from './transaction.js';
