// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IClusterRegistry
/// @notice What the other GridShare contracts read from the topology (SPEC 1, 2, 3, 7).
interface IClusterRegistry {
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
}
