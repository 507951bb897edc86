// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReadingLib} from "../libraries/ReadingLib.sol";
import {ReadingBaseline} from "./ReadingBaseline.sol";

/// @title EventReadingLog
/// @notice Benchmark baseline "event only", not part of GridShare: one transaction per reading that stores nothing
/// and only emits the whole reading. The chain keeps it in the receipts; a reader takes the first log of each
/// meter-period (with no storage there is no on-chain duplicate check). The floor of any one-transaction-per-reading
/// design: 21,000 base + calldata + one event.
contract EventReadingLog is ReadingBaseline {
    /// @notice A meter logged its reading (every field; the meter indexed so readers can filter by it).
    event ReadingLogged(address indexed meter, ReadingLib.Reading reading);

    /// @notice Log the sender's own reading for one period (one transaction per reading).
    /// @dev Refused when the sender is not the reading's meter or the energy balance of SPEC 4 does not hold.
    /// @param r The reading; `r.meter` must be `msg.sender`.
    function log(ReadingLib.Reading calldata r) external ownBalancedReading(r) {
        emit ReadingLogged(r.meter, r);
    }
}
