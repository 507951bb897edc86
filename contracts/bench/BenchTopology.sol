// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClusterRegistry} from "../ClusterRegistry.sol";

/// @title BenchTopology
/// @notice Benchmark helper, not part of GridShare: builds a registry's topology in a few transactions so that
/// the live devnet bench can set up thousands of clusters before it measures. It is the registry's admin (the
/// utility account of a bench deployment) and calls the registry's own functions: every rule and event of the
/// registry applies, nothing is bypassed. Only the account that deployed it may call it.
contract BenchTopology {
    /// @dev A cluster to create: its parent node and location.
    struct Site {
        address parent;
        int64 x;
        int64 y;
    }

    /// @dev Someone other than the deployer called.
    error NotOwner(address caller);

    address private immutable _owner;

    constructor() {
        _owner = msg.sender;
    }

    /// @notice Register each site's parent as a node and create its cluster, in order (cluster ids follow).
    /// @param registry A registry whose DEFAULT_ADMIN_ROLE this contract holds.
    /// @param sites The clusters to create.
    function addClusters(ClusterRegistry registry, Site[] calldata sites) external {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        for (uint256 i = 0; i < sites.length; i++) {
            Site calldata s = sites[i];
            registry.addNode(s.parent, s.x, s.y);
            registry.createCluster(s.parent, s.x, s.y);
        }
    }

    /// @notice Assign neighbours to clusters `firstCluster`, `firstCluster + 1`, ... in order; the registry
    /// refuses any list that is not SPEC 2's ranking at the time.
    /// @param registry A registry whose DEFAULT_ADMIN_ROLE this contract holds.
    /// @param firstCluster The first cluster to assign.
    /// @param neighbours Each cluster's ranked neighbours.
    function assignNeighbours(
        ClusterRegistry registry,
        uint32 firstCluster,
        address[][] calldata neighbours
    ) external {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        for (uint256 i = 0; i < neighbours.length; i++) {
            registry.setNeighbours(firstCluster + uint32(i), neighbours[i]);
        }
    }
}
