// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "../interfaces/IClusterRegistry.sol";
import {IGridShareErrors} from "../interfaces/IGridShareErrors.sol";

/// @title DgmdGated
/// @notice Base of the contracts the DGMD (Distribution Generation and Management Department) runs: it keeps
/// the registry that holds the DGMD role and gates functions on that role. The registry is the single source of
/// roles, so appointing or dismissing a DGMD account there takes effect in every such contract at once.
abstract contract DgmdGated is IGridShareErrors {
    /// @notice The registry holding the DGMD role, the meters and the grid clock.
    IClusterRegistry public immutable registry;

    /// @dev Reverts with {NotDgmd} unless the caller holds the registry's DGMD role.
    modifier onlyDgmd() {
        if (!registry.isDgmd(msg.sender)) revert NotDgmd(msg.sender);
        _;
    }

    /// @param registry_ The cluster registry; must not be zero.
    constructor(IClusterRegistry registry_) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
    }
}
