/** Tag payloads are anyone's text: what does not have the shape mv writes is dropped, never trusted. */
import { describe, expect, it } from 'vitest';
import { formatTagMessage, parseTagPayload } from '../../src/registry/tag-message.js';

describe('parseTagPayload', () => {
  it('reads back what mv writes, unknown fields included', () => {
    const payload = { mv: 1, event: 'register', artifact: 'churn', version: '1.2.0', pointer: { path: 'churn.mv.yaml', oid: 'sha256:ab' }, extra: [1] };
    expect(parseTagPayload(formatTagMessage('Register churn@v1.2.0', payload).split('\n').slice(1).join('\n'))).toEqual(payload);
  });

  it('is no payload without mv, event and artifact', () => {
    expect(parseTagPayload('{"mv":1,"event":"assign"}')).toBeUndefined();
    expect(parseTagPayload('{"mv":"1","event":"assign","artifact":"churn"}')).toBeUndefined();
    expect(parseTagPayload('{"mv":1,"event":["assign"],"artifact":"churn"}')).toBeUndefined();
    expect(parseTagPayload('{"mv":1, not json')).toBeUndefined();
  });

  it('drops a known field of the wrong shape', () => {
    const parsed = parseTagPayload('{"mv":1,"event":"assign","artifact":"churn","stage":7,"version":null,"reason":{},"pointer":{"path":5,"oid":"x"},"state":{"1.0.0":"all"}}');
    expect(parsed).toEqual({ mv: 1, event: 'assign', artifact: 'churn' });
    expect(parseTagPayload('{"mv":1,"event":"assign","artifact":"churn","state":{"1.0.0":60,"1.1.0":40}}')?.state).toEqual({ '1.0.0': 60, '1.1.0': 40 });
  });
});
