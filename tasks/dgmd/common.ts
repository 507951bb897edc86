export const METER_KIND_NAMES = ["none", "consumer", "prosumer"] as const;
export const METER_STATUS_NAMES = ["none", "active", "tampered", "replaced", "removed"] as const;
