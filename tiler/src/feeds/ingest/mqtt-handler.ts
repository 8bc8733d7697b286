/**
 * What the hub does with one MQTT message, wherever it came from (embedded broker or an
 * external one): `accepted` once stored, `rejected` (bad input, described on the error topic),
 * `ignored` (a topic the hub does not consume). Rejects the promise only when the store failed:
 * the message must then not be acknowledged.
 */
export type MqttOutcome = 'accepted' | 'rejected' | 'ignored';
export type MqttMessageHandler = (topic: string, payload: Buffer, clientId: string) => Promise<MqttOutcome>;
