import { describe, it, expect } from 'vitest';
import * as contracts from '../../contracts/index';

describe('contracts index', () => {
  it('re-exports every module', () => {
    for (const name of [
      'MAX_EVENT_PAYLOAD_BYTES', 'utf8ByteLength', 'assetsPath', 'scriptPath', 'sparkEventV1', 'eventQueueMessage',
      'functionCallPayload', 'unityOperation', 'UNITY_OP_NAMES', 'BUILD_TARGETS', 'ocrRequest', 'asrRequest',
      'runtimeSubject', 'NATS_DLQ_SUBJECT', 'subjectForEventType', 'apiError', 'firstIssue',
    ]) {
      expect(contracts, name).toHaveProperty(name);
    }
  });
});
