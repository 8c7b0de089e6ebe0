// The error hierarchy. Every error phasewire raises on purpose is a PhasewireError with a stable
// code from the table below; docs/errors.md is generated from this table (`npm run gen:docs`) and a
// test fails when it is out of date. Messages say what was being done, what was found and what
// was expected; a wrapped error is passed as `{ cause }`.

/** The family of an error: which kind of boundary or failure it belongs to. */
export type ErrorFamily = 'validation' | 'decode' | 'config' | 'security' | 'transport' | 'store' | 'internal';

interface ErrorCodeEntry {
  readonly family: ErrorFamily;
  /** When the code is raised, for docs/errors.md. */
  readonly summary: string;
}

export const errorCodes = {
  PW_ERR_INVALID_ARGUMENT: { family: 'validation', summary: 'A value passed to a function or command is outside its domain '
    + '(negative duration, empty sample set, non-finite number).' },
  PW_ERR_INVALID_ID: { family: 'validation', summary: 'A meter or gateway id does not match the id grammar.' },
  PW_ERR_INVALID_OBIS: { family: 'validation', summary: 'An OBIS code is not of the form A-B:C.D.E*F with each group 0 to 255.' },
  PW_ERR_UNKNOWN_QUANTITY: { family: 'validation', summary: 'An OBIS code names no quantity in the catalogue.' },
  PW_ERR_UNKNOWN_SCENARIO: { family: 'validation', summary: 'A simulation scenario name is not one of the built-in scenarios.' },
  PW_ERR_INVALID_OPTION: { family: 'validation', summary: 'A command-line option or its value is malformed.' },
  PW_ERR_INVALID_CONFIG: { family: 'config', summary: 'A configuration file or object fails validation.' },
  PW_ERR_DECODE: { family: 'decode', summary: 'Bytes from outside do not decode to the expected structure.' },
  PW_ERR_BATCH_INVALID: { family: 'decode', summary: 'An uplink reading batch is not well-formed '
    + '(wrong version, meter id, quantity, value or time).' },
  PW_ERR_BENCHMARK: { family: 'internal', summary: 'A benchmark is unknown or failed to run.' },
  // ── firmware: the TUF repository (docs/firmware.md)
  PW_ERR_TUF_METADATA: { family: 'decode', summary: 'A TUF metadata file (root, targets, snapshot, timestamp) is not JSON '
    + 'or does not fit its schema (TUF 1.0 §4).' },
  PW_ERR_TUF_KEY: { family: 'security', summary: 'A TUF role cannot be signed: its key is not in the keystore, is not an ECDSA P-256 key, '
    + 'or fewer keys than the role\'s threshold are at hand.' },
  PW_ERR_FIRMWARE_INVALID: { family: 'validation', summary: 'A firmware image or its description is refused by the repository '
    + '(a model, hardware revision or version outside its grammar, an empty image, a version already published).' },
  PW_ERR_FIRMWARE_REPOSITORY: { family: 'store', summary: 'The firmware repository directory is missing, not initialised, '
    + 'or its metadata files do not agree with each other.' },
  PW_ERR_FIRMWARE_DOWNLOAD: { family: 'transport', summary: 'A device could not fetch a firmware image chunk: no answer, '
    + 'not a byte range, a file larger than its signed length, or more or fewer bytes than asked for.' },
  PW_ERR_FIRMWARE_STATE: { family: 'store', summary: 'A device\'s firmware slot file (firmware-slots.json) cannot be read '
    + 'or does not fit its schema.' },
  PW_ERR_FIRMWARE_BUNDLE: { family: 'validation', summary: 'A simulated meter\'s firmware bundle (a slot\'s bytes) is not UTF-8 JSON '
    + 'or does not fit its schema: the device does not run it (a trial of it rolls back).' },
  PW_ERR_FIRMWARE_BUSY: { family: 'validation', summary: 'A firmware-update command while the device is already on another update '
    + '(downloading, staged or on trial): it is answered with this code; the running update goes on.' },
  PW_ERR_FIRMWARE_PROGRESS: { family: 'decode', summary: 'A firmware-progress event (docs/firmware.md, campaigns) '
    + 'does not fit its schema: '
    + 'a campaign id, a TUF target path, a version and one of the firmware states.' },
  PW_ERR_CAMPAIGN_INVALID: { family: 'validation', summary: 'A firmware campaign is refused: no target image, no device selected, '
    + 'waves that do not grow to 100 %, a threshold outside 0 to 1, a maintenance window or zone that is not one.' },
  PW_ERR_CAMPAIGN_NOT_FOUND: { family: 'validation', summary: 'A firmware campaign id names no campaign.' },
  PW_ERR_CAMPAIGN_STATE: { family: 'validation', summary: 'A firmware campaign action does not fit the campaign\'s state '
    + '(resuming a running campaign, pausing a finished one, any action on an aborted one).' },
  // ── meter: sensing and metrology
  PW_ERR_INVALID_SCENARIO: { family: 'validation', summary: 'A simulation scenario built by hand has a field outside its domain '
    + '(no loads, a power factor above 1, a sag deeper than 100 %, a harmonic order above 40).' },
  // ── meter: store-and-forward queue
  PW_ERR_QUEUE_FULL: { family: 'store', summary: 'The store-and-forward queue holds as many unacknowledged bytes as it may; '
    + 'the new records were refused, none already queued was dropped.' },
  PW_ERR_QUEUE_RECORD_TOO_LARGE: { family: 'validation', summary: 'A record is larger than the queue accepts for one record.' },
  PW_ERR_QUEUE_WRITE: { family: 'store', summary: 'Writing queued records to disk failed; they were not accepted.' },
  PW_ERR_QUEUE_CLOSED: { family: 'store', summary: 'The queue was used after it was closed.' },
  PW_ERR_QUEUE_CORRUPT: { family: 'store', summary: 'The queue directory holds an acknowledgement file that cannot be read.' },
  // ── meter: agent
  PW_ERR_COMMAND_INVALID: { family: 'decode', summary: 'A command body (head-end to meter, docs/protocol.md) is not a '
    + 'well-formed phasewire command (id of 1 to 64 of A-Z a-z 0-9 _ -, a known op, an expiry, a time for clock-sync).' },
  PW_ERR_COMMAND_REPLAYED: { family: 'security', summary: 'A command id the meter has already executed came again, and the meter no '
    + 'longer holds its answer (it restarted since; a copy while it does is answered with that answer again); it was not executed a '
    + 'second time.' },
  PW_ERR_COMMAND_EXPIRED: { family: 'security', summary: 'A command arrived after its expiry time; it was not executed.' },
  PW_ERR_COMMAND_STALE: {
    family: 'security',
    summary: 'A clock-sync whose time may have waited in transit longer than the meter accepts (it is bounded by the meter\'s own '
      + 'last message the head-end had); it was not executed, and the head-end sends it again anchored on the refusal.',
  },
  PW_ERR_COMMAND_INTERRUPTED: {
    family: 'internal',
    summary: 'The meter agent stopped (a crash, a power cut) while running a command; its next start answers it with this code '
      + 'and the meter\'s state now, and it does not run again.',
  },
  PW_ERR_ACK_INVALID: { family: 'decode', summary: 'An ack body (head-end to meter, docs/protocol.md) is not a well-formed '
    + 'list of committed counters: no counters, more than 4096, a key id outside 1 to 2^32 − 1, or a malformed refusal.' },
  PW_ERR_COMMAND_RESPONSE_INVALID: { family: 'decode', summary: 'A command-response body (meter to head-end, docs/protocol.md) '
    + 'is not well-formed: its id is not a command id, ok is not a boolean, or code, reason, relay or clock offset has the wrong type.' },
  PW_ERR_STATUS_INVALID: { family: 'decode', summary: 'A status payload (docs/protocol.md) is not '
    + '{"state":"online"|"offline"} JSON of at most 256 bytes with an optional model key and link (wifi, cellular, rs485).' },
  PW_ERR_AGENT_STATE: { family: 'config', summary: 'The meter agent\'s data directory is missing or holds an unreadable enrollment '
    + '(certificate, key, CA or envelope key).' },
  PW_ERR_AGENT_KEY_PROVISIONING: { family: 'security', summary: 'The envelope key could not be provisioned to the device over mutual TLS '
    + '(refused, unreachable or malformed).' },
  PW_ERR_AGENT_CONNECT: { family: 'transport', summary: 'The meter agent could not connect to the MQTT broker over mutual TLS, '
    + 'or the connection was lost.' },
  PW_ERR_COMMAND_UNSUPPORTED: { family: 'validation', summary: 'A command the meter cannot carry out '
    + '(a Modbus meter behind a gateway has no relay or clock the agent can set); it is answered with this code, not dropped.' },
  PW_ERR_PROTECTION_SETTINGS: { family: 'validation', summary: 'Protection settings (a protection-settings command, docs/protection.md) '
    + 'do not fit their schema: a field missing, of the wrong type or out of range, or a warning level not below its trip level.' },
  PW_ERR_PROTECTION_VERSION: { family: 'validation', summary: 'Protection settings whose version is not above the version the meter '
    + 'has: settings only move forward, so an old command delivered late cannot undo a newer one.' },
  PW_ERR_LOAD_LIMIT: { family: 'validation', summary: 'A load limit (a load-limit command, docs/protection.md) does not fit its '
    + 'schema, or its version is not above the one the meter runs.' },
  PW_ERR_RELAY_STATUS_INVALID: { family: 'decode', summary: 'A sealed relay status (docs/protocol.md) is not a map of version 1 with '
    + 'relay open or closed, armed, an optional cause (trip, remote) and function, and a time.' },
  PW_ERR_RELAY_NOT_ARMED: { family: 'validation', summary: 'A confirming reconnect (or the meter\'s local confirm) for a load relay that '
    + 'is not armed: after a trip or a remote disconnect, a reconnect command arms the relay first.' },
  PW_ERR_RELAY_BLOCKED: { family: 'validation', summary: 'The load relay may not close: protection sees a reversed phase sequence or a '
    + 'lost phase on the supply side.' },
  PW_ERR_AGENT_SOURCE: { family: 'config', summary: 'A meter agent was given neither or both of a simulated meter and a reading source.' },
  PW_ERR_AGENT_LOCKED: { family: 'config', summary: 'Another meter agent runs on the same data directory (its lock names the process); '
    + 'two would reuse envelope counters and lose readings.' },
  // ── modbus: codec, framers, transports, bus
  PW_ERR_MODBUS_ILLEGAL_FUNCTION: { family: 'decode', summary: 'A Modbus PDU names a function code the codec does not implement '
    + '(a server answers exception 0x01).' },
  PW_ERR_MODBUS_ILLEGAL_ADDRESS: { family: 'decode', summary: 'A Modbus request\'s start address plus quantity runs past 0xFFFF '
    + '(a server answers exception 0x02).' },
  PW_ERR_MODBUS_ILLEGAL_VALUE: { family: 'decode', summary: 'A Modbus quantity, byte count, coil value or device-id code is outside the '
    + 'spec\'s limits or disagrees with another field (a server answers exception 0x03).' },
  PW_ERR_MODBUS_MALFORMED: { family: 'decode', summary: 'A Modbus PDU is empty, truncated or longer than its fields say.' },
  PW_ERR_MODBUS_UNEXPECTED_RESPONSE: { family: 'decode', summary: 'A Modbus response does not answer the request that was sent '
    + '(function, unit, echo or count differ).' },
  PW_ERR_MBAP_HEADER: { family: 'decode', summary: 'A Modbus/TCP MBAP header has a protocol id other than 0 '
    + 'or a length outside 2 to 254; the stream cannot be resynchronised.' },
  PW_ERR_CRC_MISMATCH: { family: 'decode', summary: 'A Modbus RTU frame failed its CRC-16 check '
    + '(line noise, a collision or a truncated frame).' },
  PW_ERR_MODBUS_LIMIT: { family: 'validation', summary: 'A Modbus request or response to be sent breaks a limit of the spec '
    + '(quantity, address, value, unit address).' },
  PW_ERR_MODBUS_EXCEPTION: { family: 'transport', summary: 'The Modbus device answered with an exception response; '
    + 'the error carries its exception code.' },
  PW_ERR_MODBUS_TIMEOUT: { family: 'transport', summary: 'No Modbus response arrived within the request\'s timeout.' },
  PW_ERR_MODBUS_DISCONNECTED: { family: 'transport', summary: 'The Modbus link is down or dropped while a request was outstanding; '
    + 'the client reconnects by itself.' },
  PW_ERR_MODBUS_CLOSED: { family: 'transport', summary: 'The Modbus client or server was closed by its owner; '
    + 'outstanding requests are refused.' },
  PW_ERR_MODBUS_QUEUE_FULL: { family: 'transport', summary: 'Too many Modbus requests are waiting for the link; '
    + 'the request was refused rather than queued without bound.' },
  // ── gateway: profiles and scheduler
  PW_ERR_PROFILE_INVALID: { family: 'config', summary: 'A device profile (one meter model\'s register map) fails its schema: '
    + 'the message names the file, the field and what was expected.' },
  PW_ERR_PROFILE_VALUE: { family: 'validation', summary: 'A value cannot be served in a profile\'s register encoding '
    + '(outside the data type\'s range after scaling).' },
  PW_ERR_GATEWAY_CONFIG: { family: 'config', summary: 'The bus scheduler was given an unusable device list '
    + '(duplicate unit or meter, a period or timeout that is not a positive number).' },
  PW_ERR_GATEWAY_FILE: { family: 'config', summary: 'A gateway configuration file (gateway run --config) fails validation: '
    + 'the message names the field and what was expected.' },
  PW_ERR_GATEWAY_IDENTIFY: { family: 'transport', summary: 'A meter configured for auto-identification did not answer '
    + 'any profile\'s identify probe, or matched none (no identity register, device-identification object, or live values '
    + 'at a "responds" profile\'s register map).' },
  PW_ERR_GATEWAY_INTERRUPTED: { family: 'transport', summary: 'gateway run was interrupted (SIGINT, SIGTERM) before its start finished '
    + '(identifying meters, enrolling them); it stopped without polling.' },
  // ── secure: keystores and the payload envelope
  PW_ERR_KEYSTORE: { family: 'store', summary: 'A keystore operation failed inside the PKCS#11 token or on the software keystore file; '
    + 'the cause carries the token\'s CKR_ code or the I/O error.' },
  PW_ERR_KEYSTORE_CONFIG: { family: 'config', summary: 'A keystore cannot be opened as configured: '
    + 'the PKCS#11 module does not load, no token has the slot id or label, the PIN source is unset or empty, '
    + 'the store file or key file is missing or malformed.' },
  PW_ERR_KEYSTORE_AUTH: { family: 'security', summary: 'The keystore refused the credential: '
    + 'wrong or locked PKCS#11 PIN, wrong passphrase or key file for the software keystore.' },
  PW_ERR_KEYSTORE_PERMISSIONS: { family: 'security', summary: 'A software keystore file, key file or PIN file is readable or writable by '
    + 'others than its owner (mode wider than 0600), so it is refused.' },
  PW_ERR_KEYSTORE_CORRUPT: { family: 'store', summary: 'The software keystore file does not parse '
    + 'or one of its entries fails authentication: it was truncated or altered.' },
  PW_ERR_KEYSTORE_CLOSED: { family: 'validation', summary: 'A keystore was used after close().' },
  PW_ERR_KEY_EXISTS: { family: 'validation', summary: 'A key is to be created under a label that a key in the store already has.' },
  PW_ERR_KEY_NOT_FOUND: { family: 'validation', summary: 'No key in the store has the label given to sign, '
    + 'derive, wrap, unwrap or remove.' },
  PW_ERR_KEY_USAGE: { family: 'validation', summary: 'A key is used for what its kind cannot do '
    + '(signing with a secret, deriving with an EC key) or with a length outside the operation\'s range.' },
  PW_ERR_KEY_UNWRAP: { family: 'security', summary: 'A wrapped key fails the integrity check of AES key wrap (RFC 5649) '
    + 'under the named wrapping key: altered, truncated or wrapped under another key.' },
  PW_ERR_ENVELOPE_TRUNCATED: { family: 'decode', summary: 'A payload envelope ends before its 20-byte header, '
    + 'its body or its full 16-byte tag.' },
  PW_ERR_ENVELOPE_MALFORMED: { family: 'decode', summary: 'A payload envelope header is not valid: '
    + 'unknown version, direction or message type, reserved bits set, key id or counter 0, or bytes after the tag.' },
  PW_ERR_ENVELOPE_TOO_LARGE: { family: 'decode', summary: 'A payload envelope or its declared body is larger than the configured bound; '
    + 'refused before any allocation.' },
  PW_ERR_ENVELOPE_BODY: { family: 'decode', summary: 'The authenticated body of a payload envelope is not well-formed CBOR; '
    + 'nothing of it is used.' },
  PW_ERR_ENVELOPE_AUTH: { family: 'security', summary: 'AES-256-GCM authentication of a payload envelope failed: '
    + 'tampered bytes, a re-targeted device, a rewritten direction or a wrong key.' },
  PW_ERR_ENVELOPE_DIRECTION: { family: 'security', summary: 'A payload envelope carries the direction this side sends, '
    + 'not the one it receives (a reflected message).' },
  PW_ERR_ENVELOPE_UNKNOWN_KEY: { family: 'security', summary: 'A payload envelope names a key id that is not installed for the device.' },
  PW_ERR_ENVELOPE_KEY_RETIRED: { family: 'security', summary: 'A payload envelope is under a key id whose '
    + 'rotation grace period has ended.' },
  PW_ERR_REPLAY: { family: 'security', summary: 'A payload envelope\'s invocation counter is not above the last one accepted for its '
    + 'device, direction and key id (a replayed, older or equal counter).' },
  PW_ERR_COUNTER_EXHAUSTED: { family: 'security', summary: 'The invocation counter of a sending key reached its limit; '
    + 'the key must be rotated before anything else is sealed.' },
  PW_ERR_COUNTER_STORE: { family: 'store', summary: 'The durable counter store '
    + '(replay window or send reservation) could not be read or written; the message is not accepted or not sealed.' },
  // ── secure: PKI, enrollment and the TLS policy
  PW_ERR_DER: { family: 'decode', summary: 'DER bytes (an ECDSA signature, a PKCS#7 certs-only message, a certificate field) end early, '
    + 'use an indefinite or oversized length, or are not the expected structure.' },
  PW_ERR_CERTIFICATE_INVALID: { family: 'decode', summary: 'A certificate, certificate request or CRL does not parse as '
    + 'X.509 / PKCS#10 (PEM or DER).' },
  PW_ERR_CSR_SIGNATURE: { family: 'security', summary: 'A certificate signing request\'s signature does not verify '
    + 'under its own public key: no proof that the requester holds the key.' },
  PW_ERR_WEAK_KEY: { family: 'security', summary: 'A public key is not one the policy allows '
    + '(ECDSA P-384, or P-256 for constrained devices): RSA, another curve or a malformed key.' },
  PW_ERR_SUBJECT_MISMATCH: { family: 'security', summary: 'A certificate request names another device than the one its enrollment token '
    + 'is bound to, or names it inconsistently (CN against the URI SAN).' },
  PW_ERR_NO_DEVICE_ID: { family: 'security', summary: 'A peer certificate names no phasewire device id, several, or a malformed one '
    + '(URI SAN urn:phasewire:<kind>:<id> and CN must agree).' },
  PW_ERR_CA_STATE: { family: 'store', summary: 'The CA directory is missing, locked by another process, or its state file, '
    + 'certificates or index do not parse or disagree.' },
  PW_ERR_REVOCATION_PENDING: { family: 'store', summary: 'A revocation was written to the CA directory, but the server running on it did '
    + 'not put it in force within the wait (`phasewire pki revoke --wait`).' },
  PW_ERR_CA_EXISTS: { family: 'validation', summary: '`pki init` was given a directory that already holds a CA; nothing was overwritten.' },
  PW_ERR_CA_KEY: { family: 'security', summary: 'A signing key (a CA key, a device key) is missing from the keystore or not an EC key, '
    + 'or a CA key is not the key of its CA certificate.' },
  PW_ERR_CA_EXPIRED: { family: 'security', summary: 'The issuing or root CA certificate is expired or not yet valid '
    + 'at the time of signing; nothing was issued.' },
  PW_ERR_UNKNOWN_SERIAL: { family: 'validation', summary: 'A serial number names no certificate this CA issued.' },
  PW_ERR_ALREADY_REVOKED: { family: 'validation', summary: 'The certificate to revoke or re-issue is already revoked.' },
  PW_ERR_CRL_INVALID: { family: 'security', summary: 'A CRL is not signed by the expected CA, '
    + 'names another issuer, or has no nextUpdate.' },
  PW_ERR_CRL_STALE: { family: 'security', summary: 'A CRL is past its nextUpdate (or not yet valid): '
    + 'revocation cannot be checked, so peers are refused (fail closed).' },
  PW_ERR_TLS_IDENTITY: { family: 'config', summary: 'A TLS identity or trust set is unusable: '
    + 'no certificate chain, a private key that does not match the certificate, or no trust anchor.' },
  PW_ERR_TLS_HANDSHAKE: { family: 'transport', summary: 'A TLS connection failed or was refused during the handshake; '
    + 'the cause carries OpenSSL\'s alert or verification code.' },
  PW_ERR_ENROLL_TOKEN_MISSING: { family: 'security', summary: 'An enrollment request carries no `Authorization: Bearer` '
    + 'one-time token (HTTP 401).' },
  PW_ERR_ENROLL_TOKEN_INVALID: { family: 'security', summary: 'An enrollment token is malformed, unknown to this CA or its secret '
    + 'does not match (HTTP 401).' },
  PW_ERR_ENROLL_TOKEN_EXPIRED: { family: 'security', summary: 'An enrollment token is past its expiry (HTTP 401); '
    + 'the operator creates a new one.' },
  PW_ERR_ENROLL_TOKEN_USED: { family: 'security', summary: 'An enrollment token was already used for an enrollment '
    + '(HTTP 401); tokens are one-time.' },
  PW_ERR_ENROLL_REQUEST: { family: 'validation', summary: 'An enrollment request is not a simple-enroll request: '
    + 'wrong method, path or content type, empty, too large or not base64 (HTTP 400/404/405/413/415).' },
  PW_ERR_ENROLL_REFUSED: { family: 'security', summary: 'The enrollment server refused the request; '
    + 'the message carries its HTTP status and reason.' },
  PW_ERR_ENROLL_TOKEN_STORE: { family: 'store', summary: 'The enrollment token store could not be read or written; '
    + 'no token was created or consumed.' },
  // ── server: store
  PW_ERR_STORE_INVALID_READING: { family: 'validation', summary: 'A reading given to the meter-data store has a value that is not a '
    + 'finite number or a time that is not a whole, non-negative number of milliseconds; nothing of its batch was stored.' },
  PW_ERR_STORE_INVALID_RANGE: { family: 'validation', summary: 'A time range given to a store query ends before it starts, '
    + 'is not whole milliseconds, or is not on the 15-minute interval grid where intervals are asked for.' },
  PW_ERR_STORE_INVALID_INTERVAL_WRITE: { family: 'validation', summary: 'A validated or final interval value cannot be written: '
    + 'the quantity is not an energy register, the end is off the 15-minute grid, the quality does not fit the value, '
    + 'or a person gave no reason; nothing was written.' },
  PW_ERR_STORE_CONFIG: { family: 'config', summary: 'The store configuration is not valid: '
    + 'unknown kind, no SQLite path or PostgreSQL connection, a bad schema name or a retention period that is not a '
    + 'positive whole number of days.' },
  PW_ERR_STORE_MIGRATION: { family: 'store', summary: 'A schema migration failed and was rolled back, or the database is at a newer '
    + 'schema version than this phasewire knows.' },
  PW_ERR_STORE_WRITE: { family: 'store', summary: 'A store write transaction failed; '
    + 'nothing of the batch was committed, so it may be retried as a whole.' },
  PW_ERR_STORE_READ: { family: 'store', summary: 'A store query failed in the database.' },
  PW_ERR_STORE_CORRUPT: { family: 'store', summary: 'A stored chunk, snapshot or meter state does not decode: '
    + 'the database was altered outside phasewire or is damaged.' },
  PW_ERR_STORE_UNAVAILABLE: { family: 'store', summary: 'The database cannot be opened or reached '
    + '(file not writable, PostgreSQL not accepting connections, the test server did not start).' },
  PW_ERR_STORE_CLOSED: { family: 'store', summary: 'The store was used after close().' },
  // ── server: head-end and ingest
  PW_ERR_HEADEND_UNAUTHORISED: { family: 'security', summary: 'An MQTT client tried to connect, publish or subscribe outside what its '
    + 'certificate allows: a client id other than the certificate\'s device id, another device\'s topic, '
    + 'a revoked or unregistered device.' },
  PW_ERR_HEADEND_WRONG_METER: { family: 'security', summary: 'A reading batch names another meter than the device of the topic it was '
    + 'published on; nothing of it was stored.' },
  PW_ERR_HEADEND_READING_TIME: { family: 'validation', summary: 'Readings carry a time outside the window around the head-end\'s clock '
    + '(server configuration ingest.earliestReading, ingest.maxReadingAgeDays, ingest.maxReadingAheadMinutes): '
    + 'counted, never stored, and reported to the meter in its ack.' },
  PW_ERR_HEADEND_MESSAGE: { family: 'decode', summary: 'A sealed message on a head-end channel is of another message type '
    + 'than the channel carries (an up/events envelope that is not an event).' },
  PW_ERR_HEADEND_REGISTRY: { family: 'validation', summary: 'A device registry operation does not apply: '
    + 'an unknown device, a state change that is not allowed, a gateway relation to a device that is not a meter.' },
  PW_ERR_HEADEND_COMMAND: { family: 'transport', summary: 'A command to a device was not answered before it expired, '
    + 'or the device answered that it refused it.' },
  PW_ERR_HEADEND_BROKER: { family: 'transport', summary: 'The MQTT listener or the external broker could not be started, '
    + 'reached or configured (Mosquitto did not start, the ingest client could not subscribe).' },
  PW_ERR_HEADEND_PACKET: { family: 'decode', summary: 'An MQTT packet announced a remaining length over the listener\'s bound '
    + '(mqtt.maxPacketBytes), or one that is not valid MQTT; the connection was closed before the packet was read.' },
  // ── server composition
  PW_ERR_SERVER_CONFIG: { family: 'config', summary: 'The server configuration (data/phasewire.json, --config or a flag) is not valid: '
    + 'the message names the field, what was found and what was expected.' },
  PW_ERR_SERVER_DATA_DIR: { family: 'store', summary: 'The server\'s data directory cannot be created or read, '
    + 'or holds a half-made state (a CA without its server certificate key, a keystore without its unlock key file).' },
  PW_ERR_SERVER_START: { family: 'transport', summary: 'A listener of the server '
    + '(MQTT, enrollment or envelope-key endpoint) could not be started, for example because its port is in use; '
    + 'everything started before it was closed again.' },
  PW_ERR_SERVER_NOT_READY: { family: 'transport', summary: '`phasewire server status` found the server not ready (a readiness '
    + 'check failing: store, broker, MDM runs or keystore), or could not reach its /readyz; the output names each check.' },
  // ── server: backup and restore
  PW_ERR_BACKUP_FAILED: { family: 'store', summary: '`phasewire backup` could not read the data directory or write the archive '
    + '(a full disk, an unwritable folder, an archive already under that name); nothing was left under the archive\'s name.' },
  PW_ERR_BACKUP_INVALID: { family: 'security', summary: 'An archive given to `phasewire restore` is not an intact phasewire backup: '
    + 'it does not decompress or unpack, has no readable manifest, or a file is missing, added or differs from its SHA-256 in the '
    + 'manifest; nothing was restored.' },
  PW_ERR_RESTORE_TARGET: { family: 'validation', summary: 'The data directory `phasewire restore` was given is not empty (and --force '
    + 'was not given) or cannot be written; nothing was changed in it.' },
  // ── server: VEE, analytics, alarms
  PW_ERR_VEE_INPUT: { family: 'validation', summary: 'Data or parameters given to validation, estimation, analytics or alarms are '
    + 'outside their domain (an interval that does not divide a day, a non-finite reading, a register modulus that is not positive, '
    + 'a range that ends before it starts).' },
  PW_ERR_EDIT_REASON_REQUIRED: { family: 'validation', summary: 'A manual edit of interval data or an alarm acknowledgement has no '
    + 'reason or note, or no actor; nothing was changed.' },
  PW_ERR_EDIT_INVALID: { family: 'validation', summary: 'A manual edit gives a value that is not a finite, non-negative number.' },
  PW_ERR_ALARM_TRANSITION: { family: 'validation', summary: 'An alarm operation does not apply to its current state '
    + '(acknowledging an alarm that is not raised or escalated).' },
  PW_ERR_ALARM_NOT_FOUND: { family: 'validation', summary: 'An alarm id names no stored alarm occurrence '
    + '(or is not of the form <meter>:<type>:<occurrence>); nothing was changed.' },
  PW_ERR_ALARM_QUERY: { family: 'validation', summary: 'An alarm list query has a limit outside 1 to 1000 or a cursor that the alarm '
    + 'service did not give out.' },
  // ── mdm: billing (tariffs, determinants, rating)
  PW_ERR_TARIFF_INVALID: { family: 'config', summary: 'A tariff file fails its schema or its own consistency (an unknown time zone, '
    + 'a date that does not exist, a bucket without a rate, blocks that do not rise): the message names the field, what was found and '
    + 'what was expected.' },
  PW_ERR_TARIFF_NOT_EFFECTIVE: { family: 'validation', summary: 'No version of the tariff is in effect on some day of a billing period, '
    + 'or the versions given belong to different tariffs, overlap, or do not share a currency and time zone.' },
  PW_ERR_BILLING_INPUT: { family: 'validation', summary: 'Interval data given to rating is not usable: an interval end off the grid or '
    + 'outside the period, one end twice, a negative or non-finite energy, or a billing period that ends before it starts.' },
  PW_ERR_MDM_CONFIG: { family: 'config', summary: 'The MDM service options are not valid: '
    + 'a schedule period or the late-data window is not a positive whole number of milliseconds, or a meter setup has a non-positive '
    + 'voltage, CT ratio, Imax or register modulus.' },
  PW_ERR_ALARM_CONFIG: { family: 'config', summary: 'An alarm threshold is inconsistent: '
    + 'critical on the wrong side of warn, negative hysteresis, a debounce count below 1, an unknown alarm type.' },
  PW_ERR_NOTIFY_CONFIG: { family: 'config', summary: 'A webhook or MQTT notifier cannot be set up as configured: '
    + 'the URL is not http(s) or mqtt(s), the signing secret is shorter than 32 bytes, the topic is not a valid MQTT topic.' },
  PW_ERR_NOTIFY_FAILED: { family: 'transport', summary: 'An alarm notification was not delivered: '
    + 'the webhook refused it or still failed after the last retry, or the MQTT broker did not acknowledge the publish.' },
  // ── billing: accounts, runs and corrections
  PW_ERR_BILLING_OVERLAP: { family: 'validation', summary: 'An effective-dated billing relation overlaps one already stored: a meter '
    + 'installed at two service points at once, a service point with two meters or two accounts at once, an account with two tariffs at '
    + 'once; nothing was changed.' },
  PW_ERR_BILLING_IMMUTABLE: { family: 'validation', summary: 'A change to an issued bill was refused: an issued bill is never changed; '
    + 'late data or an edit produces a correction (cancellation, rebill and difference) instead.' },
  PW_ERR_BILLING_NOT_FOUND: { family: 'validation', summary: 'A billing object (account, service point, tariff, bill, bill run) is not '
    + 'stored; nothing was changed.' },
  PW_ERR_BILLING_REQUEST: { family: 'validation', summary: 'A billing request is outside its domain: a cycle that is not YYYY-MM, a span '
    + 'that ends before it starts, a cycle day outside 1 to 28, a tariff version already stored with another document.' },
  // ── HTTP API
  PW_ERR_API_INVALID_REQUEST: { family: 'validation', summary: 'An HTTP API request has a parameter, query field or body field outside '
    + 'its schema (HTTP 400; the message and `field` name it).' },
  PW_ERR_API_UNAUTHENTICATED: { family: 'security', summary: 'An HTTP API request carries no valid session cookie or bearer token, '
    + 'or the sign-in failed (HTTP 401; the same answer for an unknown user and a wrong password).' },
  PW_ERR_API_FORBIDDEN: { family: 'security', summary: 'The signed-in user\'s role or the bearer token\'s scopes are too low '
    + 'for the route (HTTP 403).' },
  PW_ERR_API_CSRF: { family: 'security', summary: 'A cookie-authenticated request that changes state has no x-csrf-token header '
    + 'or a wrong one (HTTP 403).' },
  PW_ERR_API_ORIGIN: { family: 'security', summary: 'A live-feed WebSocket was opened from another origin than the server\'s own, '
    + 'or by a browser without an Origin (HTTP 403).' },
  PW_ERR_API_NOT_FOUND: { family: 'validation', summary: 'An HTTP API object is unknown, or belongs to another tenant: '
    + 'both answer HTTP 404 so that existence is not revealed.' },
  PW_ERR_API_CONFLICT: { family: 'validation', summary: 'An HTTP API change conflicts with the present state '
    + '(a user name already taken, a meter already revoked; HTTP 409).' },
  PW_ERR_API_BODY_TOO_LARGE: { family: 'validation', summary: 'An HTTP API request body is larger than the server accepts (HTTP 413).' },
  PW_ERR_API_RATE_LIMITED: { family: 'security', summary: 'Too many HTTP API requests from one address, or a sign-in from an address '
    + 'that must wait after failing for that user name (HTTP 429 with Retry-After).' },
  PW_ERR_API_CONFIG: { family: 'config', summary: 'The HTTP API server cannot start as configured '
    + '(no TLS identity, a static directory that does not exist, an accounts database that cannot be opened).' },
  PW_ERR_API_INTERNAL: { family: 'internal', summary: 'An HTTP API request failed inside the server; '
    + 'the response says no more, the log has the cause (HTTP 500).' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof errorCodes;

/** Base of every deliberate phasewire error. Match on `code`, never on the message. */
export class PhasewireError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }

  get family(): ErrorFamily {
    return errorCodes[this.code].family;
  }
}

/** Input that is well-formed but not acceptable: a bad argument, id, option or value. */
export class ValidationError extends PhasewireError {}
/** Bytes that do not decode. Decoders are total: this is the only thing they throw. */
export class DecodeError extends PhasewireError {}
/** Configuration that fails validation. */
export class ConfigError extends PhasewireError {}
/** Authentication, integrity, freshness or authorisation refused. */
export class SecurityError extends PhasewireError {}
/** A link, bus or peer failed or timed out. */
export class TransportError extends PhasewireError {}
/** The store refused or failed an operation. */
export class StoreError extends PhasewireError {}

/** True when `error` is a PhasewireError with the given code. */
export function hasCode(error: unknown, code: ErrorCode): error is PhasewireError {
  return error instanceof PhasewireError && error.code === code;
}
