// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IVoterSetSink
/// @notice What the ClusterRegistry pushes to the batch ledger whenever a cluster's voters change (a cluster is
/// created, its neighbours are reassigned), so that the ledger's vote path reads no other contract.
interface IVoterSetSink {
    /// @notice A cluster's voters changed: the parent first, then the neighbours in assignment order.
    /// @param clusterId The cluster.
    /// @param voters 1..4 node addresses (parent + up to 3 neighbours).
    function setVoters(uint32 clusterId, address[] calldata voters) external;
}
