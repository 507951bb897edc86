// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReadingLib} from "../libraries/ReadingLib.sol";
import {ReadingBaseline} from "./ReadingBaseline.sol";

/// @title OverwriteReadingStore
/// @notice Benchmark baseline "overwrite", not part of GridShare: one transaction per reading that overwrites the
/// meter's latest reading in the same two slots (early Energy Web Origin meter registries kept only the latest
/// read). Past readings live only in the event log. From a meter's second reading on, both slots are rewritten,
/// not created: 21,000 base + calldata + 2 x 5,000 (cold non-zero to non-zero) + one event.
contract OverwriteReadingStore is ReadingBaseline {
    /// @dev Periods only move forward: an older or repeated period would hide the newer reading.
    error NotNewer(address meter, uint32 period, uint32 latestPeriod);

    /// @notice Replace the sender's latest reading with a newer one (one transaction per reading).
    /// @dev Refused when the sender is not the reading's meter, the energy balance of SPEC 4 does not hold, or the
    /// period is not after the stored one.
    /// @param r The reading; `r.meter` must be `msg.sender`.
    function store(ReadingLib.Reading calldata r) external ownBalancedReading(r) {
        StoredReading storage latest = _records[_keyOf(r.meter)];
        if (latest.meter != address(0) && r.period <= latest.period) {
            revert NotNewer(r.meter, r.period, latest.period);
        }
        _record(_keyOf(r.meter), r);
        emit ReadingStored(r.meter, r.period, r.loadWh, r.generationWh);
    }

    /// @notice A meter's latest reading (all zero when none).
    /// @param meter The meter.
    /// @return r The reading as stored.
    function latestOf(address meter) external view returns (ReadingLib.Reading memory r) {
        r = _recordOf(_keyOf(meter));
    }

    /// @dev Every reading of a meter goes to one record: its slots are reused.
    function _keyOf(address meter) private pure returns (bytes32) {
        return bytes32(uint256(uint160(meter)));
    }
}
