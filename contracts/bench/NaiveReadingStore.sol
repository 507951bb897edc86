// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title NaiveReadingStore
/// @notice Benchmark baseline, not part of GridShare: every reading is its own transaction and every field is
/// stored on-chain, as early Energy Web Origin meter registries did (`saveSmartMeterRead` per reading). The meter's
/// own key sends the transaction, so the transaction signature authenticates the reading and no EIP-712 check is
/// needed. Fields are packed into two fresh storage slots (the cheapest honest layout), so the baseline is as
/// lean as one-transaction-per-reading can be: 21,000 base + calldata + 2 x 22,100 + one event.
contract NaiveReadingStore {
    /// @dev Slot 1: meter, period and peaks (256 bits); slot 2: the four energies (256 bits).
    struct StoredReading {
        address meter;
        uint32 period;
        uint32 peakLoadW;
        uint32 peakGenerationW;
        uint64 importWh;
        uint64 exportWh;
        uint64 loadWh;
        uint64 generationWh;
    }

    mapping(address meter => mapping(uint32 period => StoredReading)) private _readings;

    /// @notice A meter stored its reading for a period.
    event ReadingStored(address indexed meter, uint32 indexed period, uint64 loadWh, uint64 generationWh);

    error NotTheMeter(address sender, address meter);
    error AlreadyStored(address meter, uint32 period);
    error Unbalanced(address meter, uint32 period);

    /// @notice Store the sender's own reading for one period (one transaction per reading).
    /// @dev Refused when the sender is not the reading's meter, the period is already stored, or the energy
    /// balance of SPEC 4 does not hold.
    /// @param r The reading; `r.meter` must be `msg.sender`.
    function store(ReadingLib.Reading calldata r) external {
        if (r.meter != msg.sender) revert NotTheMeter(msg.sender, r.meter);
        StoredReading storage s = _readings[r.meter][r.period];
        if (s.meter != address(0)) revert AlreadyStored(r.meter, r.period);
        if (uint256(r.loadWh) + r.exportWh != uint256(r.generationWh) + r.importWh) {
            revert Unbalanced(r.meter, r.period);
        }
        _readings[r.meter][r.period] = StoredReading({
            meter: r.meter,
            period: r.period,
            peakLoadW: r.peakLoadW,
            peakGenerationW: r.peakGenerationW,
            importWh: r.importWh,
            exportWh: r.exportWh,
            loadWh: r.loadWh,
            generationWh: r.generationWh
        });
        emit ReadingStored(r.meter, r.period, r.loadWh, r.generationWh);
    }

    /// @notice The stored reading of a meter for a period (all zero when none).
    /// @param meter The meter.
    /// @param period The period.
    /// @return r The reading as stored.
    function readingOf(address meter, uint32 period) external view returns (ReadingLib.Reading memory r) {
        StoredReading storage s = _readings[meter][period];
        r = ReadingLib.Reading({
            meter: s.meter,
            period: s.period,
            importWh: s.importWh,
            exportWh: s.exportWh,
            loadWh: s.loadWh,
            generationWh: s.generationWh,
            peakLoadW: s.peakLoadW,
            peakGenerationW: s.peakGenerationW
        });
    }
}
