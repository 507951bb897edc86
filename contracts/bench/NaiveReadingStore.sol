// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReadingLib} from "../libraries/ReadingLib.sol";
import {ReadingBaseline} from "./ReadingBaseline.sol";

/// @title NaiveReadingStore
/// @notice Benchmark baseline "full store", not part of GridShare: every reading is its own transaction and every
/// field of every reading stays on-chain, one two-slot record per meter-period (the cheapest honest layout), so the
/// baseline is as lean as keeping every reading can be: 21,000 base + calldata + 2 x 22,100 + one event.
contract NaiveReadingStore is ReadingBaseline {
    error AlreadyStored(address meter, uint32 period);

    /// @notice Store the sender's own reading for one period (one transaction per reading).
    /// @dev Refused when the sender is not the reading's meter, the energy balance of SPEC 4 does not hold, or the
    /// period is already stored.
    /// @param r The reading; `r.meter` must be `msg.sender`.
    function store(ReadingLib.Reading calldata r) external ownBalancedReading(r) {
        bytes32 key = _keyOf(r.meter, r.period);
        if (_records[key].meter != address(0)) revert AlreadyStored(r.meter, r.period);
        _record(key, r);
        emit ReadingStored(r.meter, r.period, r.loadWh, r.generationWh);
    }

    /// @notice The stored reading of a meter for a period (all zero when none).
    /// @param meter The meter.
    /// @param period The period.
    /// @return r The reading as stored.
    function readingOf(address meter, uint32 period) external view returns (ReadingLib.Reading memory r) {
        r = _recordOf(_keyOf(meter, period));
    }

    /// @dev One record per meter-period.
    function _keyOf(address meter, uint32 period) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(meter, period));
    }
}
