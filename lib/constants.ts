/** Rules fixed by SPEC.md, in one place. The Solidity twins live in contracts/libraries/GridConstants.sol. */

/** SPEC 3: a period is 4 hours (the paper's "quarterly"), 6 a day. */
export const PERIOD_SECONDS = 14_400;
/** SPEC 3: a week is 42 periods. */
export const PERIODS_PER_WEEK = 42;
/** SPEC 3: meters and gateways keep raw data for 13 weeks. */
export const RETENTION_WEEKS = 13;
export const RETENTION_PERIODS = RETENTION_WEEKS * PERIODS_PER_WEEK;
/** SPEC 2: a cluster has at most 3 neighbour nodes. */
export const MAX_NEIGHBOURS = 3;
/**
 * SPEC 6: the Clique signers are a bounded set of nodes, by default at most 21; every other node is a
 * permissioned sender. Clique seals in turn and every block needs a seal from one signer in each
 * floor(N/2)+1, so a small set keeps block time and vote traffic independent of the grid's size.
 */
export const DEFAULT_MAX_SIGNERS = 21;
/** SPEC 1, 2: a node is the neighbour of at most 3 clusters. */
export const MAX_NEIGHBOUR_ROLES = 3;
/** SPEC 1: default meters per cluster (a deploy-time maximum may be larger). */
export const DEFAULT_MAX_METERS_PER_CLUSTER = 4;
/** SPEC 10: 18-decimal fixed point, 1e18 = 1.0. */
export const FIXED_ONE = 10n ** 18n;
/** SPEC 4: EIP-712 domain of every GridShare signature. */
export const EIP712_NAME = "GridShare";
export const EIP712_VERSION = "1";
/** SPEC 6: EIP-712 domain of the voters' attestations (the verifying contract is the BatchLedger). */
export const LEDGER_EIP712_NAME = "GridShare Ledger";
export const LEDGER_EIP712_VERSION = "1";
/** SPEC 6: a digest is accepted only with at least this many votes (a cluster without neighbours never is). */
export const MIN_VOTES = 2;
/**
 * A batch total the ledger takes is below 2^52 Wh (BatchLedger.TOTAL_BITS): a valid reading carries at most
 * MAX_METER_POWER_W x 4 h = 10^6 Wh < 2^20 and a batch at most 2^32 readings. The ledger keeps its ring lap in
 * the bits above.
 */
export const BATCH_TOTAL_BITS = 52;
/** Periods each cluster's ring of batch words holds on chain (BatchLedger.RING_PERIODS), about 24 weeks. */
export const LEDGER_RING_PERIODS = 1_024;
/** Most cluster-periods one ledger submission may carry (BatchLedger.MAX_ITEMS). */
export const MAX_SUBMISSION_ITEMS = 64;
/** SPEC 4: a period's energy cannot exceed its peak average power held for the whole period. */
export const PERIOD_HOURS = PERIOD_SECONDS / 3_600;
/**
 * Largest power (W) any GridShare meter may report, load or generation. A GridShare meter sits on a
 * low-voltage connection; 250 kW is above any household or small-business service (3 x 250 A at 400 V
 * is 173 kVA), so a larger peak is a faulty or forged reading, not a real one.
 */
export const MAX_METER_POWER_W = 250_000;
