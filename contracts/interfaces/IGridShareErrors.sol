// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IGridShareErrors
/// @notice Errors that more than one GridShare contract raises, declared once (in the manner of OpenZeppelin's
/// draft-IERC6093). Each contract's own errors and events live in its interface (IClusterRegistry, IBatchLedger,
/// ICapacityCertificates, ITariffSchedule, IBilling), which extends this one.
interface IGridShareErrors {
    /// @dev An address that must be set (an admin, a contract this one reads from, a meter) is zero.
    error ZeroAddress();

    /// @dev The registry knows no meter `meter`.
    error UnknownMeter(address meter);

    /// @dev No cluster has id `clusterId` (ids run from 1 to the registry's cluster count).
    error UnknownCluster(uint32 clusterId);

    /// @dev A DGMD-only function was called by an account without the registry's DGMD role.
    error NotDgmd(address caller);
}
