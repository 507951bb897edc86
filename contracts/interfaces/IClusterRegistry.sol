// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGridShareErrors} from "./IGridShareErrors.sol";

/// @title IClusterRegistry
/// @notice What the other GridShare contracts read from the topology (SPEC 1, 2, 3, 7), and the events and errors
/// of the registry.
interface IClusterRegistry is IGridShareErrors {
    enum MeterKind {
        None,
        Consumer,
        Prosumer
    }

    enum MeterStatus {
        None,
        Active,
        Tampered,
        Replaced,
        Removed
    }

    struct MeterInfo {
        uint32 clusterId;
        MeterKind kind;
        MeterStatus status;
        /// First period whose reading counts.
        uint32 fromPeriod;
        /// First period whose reading no longer counts (tamper alarm, replacement, removal); OPEN_END if none.
        uint32 untilPeriod;
        /// The meter that replaced this one, if any.
        address replacedBy;
        /// The meter this one replaced, if any.
        address replaces;
    }

    /// @notice The batch ledger that receives every voter-set change was wired (once).
    event LedgerSet(address indexed ledger);
    /// @notice A validator node was registered at `(x, y)`.
    event NodeAdded(address indexed node, int64 x, int64 y);
    /// @notice A node that parented no cluster and neighboured none was removed.
    event NodeRemoved(address indexed node);
    /// @notice Cluster `clusterId` was created with its parent node and location.
    event ClusterCreated(uint32 indexed clusterId, address indexed parent, int64 x, int64 y);
    /// @notice A cluster's neighbour nodes were (re)assigned.
    event NeighboursSet(uint32 indexed clusterId, address[] neighbours);
    /// @notice A meter joined a cluster; its readings count from `fromPeriod` on.
    event MeterAdded(uint32 indexed clusterId, address indexed meter, MeterKind kind, uint32 fromPeriod);
    /// @notice A meter was retired; its readings stop counting from `untilPeriod` on.
    event MeterRemoved(uint32 indexed clusterId, address indexed meter, uint32 untilPeriod);
    /// @notice A meter's seal is broken: the inspection team must visit. `reporter` is the meter or its parent.
    event TamperAlarm(
        uint32 indexed clusterId,
        address indexed meter,
        address indexed reporter,
        uint64 detectedAt,
        uint32 untilPeriod
    );
    /// @notice SPEC 5 evidence (two different readings of one meter-period signed by the meter) proved the meter
    /// compromised: its readings stop counting from `fromPeriod` on. `prover` submitted the evidence.
    event MeterCompromised(
        uint32 indexed clusterId,
        address indexed meter,
        uint32 fromPeriod,
        address indexed prover
    );
    /// @notice `newMeter` replaced `oldMeter` under a work permit; the old meter's readings stop at `atPeriod`.
    event MeterReplaced(
        uint32 indexed clusterId,
        address indexed oldMeter,
        address indexed newMeter,
        string workPermit,
        uint32 atPeriod
    );

    /// @dev The epoch is not a Monday 00:00 UTC.
    error InvalidEpoch(uint64 epoch);
    /// @dev A cluster must be allowed at least one meter.
    error InvalidMaxMeters(uint32 maxMeters);
    error NodeAlreadyRegistered(address node);
    error UnknownNode(address node);
    error NodeAlreadyParent(address node, uint32 clusterId);
    error NodeStillParent(address node, uint32 clusterId);
    error NodeStillNeighbour(address node, uint32 clusterCount);
    error TooManyNeighbours(uint32 clusterId, uint256 given, uint256 max);
    error NeighbourIsOwnParent(uint32 clusterId, address node);
    error NeighbourNotParent(uint32 clusterId, address node);
    error DuplicateNeighbour(uint32 clusterId, address node);
    /// @dev SPEC 1: `node` already neighbours `max` other clusters.
    error NeighbourRoleLimit(uint32 clusterId, address node, uint256 max);
    /// @dev SPEC 2: a cluster's neighbours are its ranking's first 3, in order (`expected`); nothing else.
    error NotRankedNeighbours(uint32 clusterId, address[] expected);
    /// @dev Evidence would cut a meter's readings at or after where they already stop.
    error AlreadyCutOff(address meter, uint32 untilPeriod);
    /// @dev Meter keys are never reused: a removed or replaced key stays known.
    error MeterAlreadyKnown(address meter);
    error InvalidMeterKind(address meter);
    error ClusterFull(uint32 clusterId, uint32 maxMeters);
    error MeterNotActive(address meter, MeterStatus status);
    /// @dev Only a tampered or a removed (retired) meter can be replaced.
    error MeterNotReplaceable(address meter, MeterStatus status);
    error NotParentOfMeter(address caller, address meter);
    error InvalidTamperSignature(address meter, address signer);
    error AlarmInFuture(uint64 detectedAt, uint256 nowTimestamp);
    /// @dev The grid clock has not started: the block time lies before the epoch.
    error BeforeEpoch(uint256 timestamp, uint64 epoch);
    error EmptyWorkPermit();
    /// @dev The ledger is wired once: voter-set versions must not fork between two ledgers.
    error LedgerAlreadySet(address ledger);

    /// @notice Seconds since 1970 at which period 0 starts (a Monday 00:00 UTC).
    function epoch() external view returns (uint64);

    /// @notice The period that contains the current block's timestamp.
    function currentPeriod() external view returns (uint32);

    /// @notice Meter record (zeroed when unknown).
    function meterInfo(address meter) external view returns (MeterInfo memory);

    /// @notice Whether `meter`'s reading for `period` counts for cluster `clusterId`: the meter belongs to the
    /// cluster and the period lies in its validity window (before any tamper alarm, replacement or removal).
    function isReadingAllowed(address meter, uint32 clusterId, uint32 period) external view returns (bool);

    /// @notice The parent node of a cluster (zero when the cluster does not exist).
    function parentOf(uint32 clusterId) external view returns (address);

    /// @notice The assigned neighbour nodes of a cluster.
    function neighboursOf(uint32 clusterId) external view returns (address[] memory);

    /// @notice Voters of a cluster's batches: the parent first, then the neighbours in assignment order.
    function votersOf(uint32 clusterId) external view returns (address[] memory);

    /// @notice The cluster a node is the parent of (0 when none).
    function clusterOfNode(address node) external view returns (uint32);

    /// @notice Number of clusters created; ids run from 1 to this value.
    function clusterCount() external view returns (uint32);

    /// @notice EIP-712 digest of `structHash` under the GridShare domain (verifying contract = this registry).
    function hashTypedData(bytes32 structHash) external view returns (bytes32);

    /// @notice Whether `account` holds the DGMD role.
    function isDgmd(address account) external view returns (bool);

    /// @notice Whether `account` holds the utility (admin) role.
    function isUtility(address account) external view returns (bool);

    /// @notice Mark a meter compromised from `fromPeriod` on (SPEC 5 evidence, checked by the caller): its readings
    /// stop counting from there and an active meter becomes Tampered. Only the EVIDENCE_ROLE (ReadingEvidence).
    /// @param meter The meter whose key signed conflicting readings.
    /// @param fromPeriod The period of the evidence.
    /// @param prover Who submitted the evidence (for the event).
    function markCompromised(address meter, uint32 fromPeriod, address prover) external;
}
