import { memoryBackend } from '../src/index.js';
import { taskBackendSuite } from './contract.js';

taskBackendSuite('memory', () => memoryBackend());
