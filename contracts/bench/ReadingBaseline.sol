// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReadingLib} from "../libraries/ReadingLib.sol";

/// @title ReadingBaseline
/// @notice Benchmark baselines, not part of GridShare: what the per-reading designs share. The meter's own key
/// sends the transaction, so the transaction signature authenticates the reading and no EIP-712 check is needed;
/// the energy balance of SPEC 4 is checked as GridShare checks it.
abstract contract ReadingBaseline {
    /// @dev Slot 1: meter, period and peaks (256 bits); slot 2: the four energies (256 bits): the cheapest honest
    /// layout of a whole reading.
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

    /// @dev Two-slot records by key: a design chooses the key (meter and period, or the meter alone).
    mapping(bytes32 key => StoredReading) internal _records;

    /// @notice A meter stored its reading for a period.
    event ReadingStored(address indexed meter, uint32 indexed period, uint64 loadWh, uint64 generationWh);

    error NotTheMeter(address sender, address meter);
    error Unbalanced(address meter, uint32 period);

    /// @dev Refuses a reading not sent by its meter or whose energy does not balance (inlined: a modifier costs
    /// no internal call, so the baselines stay as lean as their designs allow).
    modifier ownBalancedReading(ReadingLib.Reading calldata r) {
        if (r.meter != msg.sender) revert NotTheMeter(msg.sender, r.meter);
        if (uint256(r.loadWh) + r.exportWh != uint256(r.generationWh) + r.importWh) {
            revert Unbalanced(r.meter, r.period);
        }
        _;
    }

    /// @dev Writes `r` as the record under `key`. A struct literal: the cheapest two-slot write (a copy
    /// from calldata or a memory struct returned by a function costs 200-600 gas more).
    function _record(bytes32 key, ReadingLib.Reading calldata r) internal {
        _records[key] = StoredReading({
            meter: r.meter,
            period: r.period,
            peakLoadW: r.peakLoadW,
            peakGenerationW: r.peakGenerationW,
            importWh: r.importWh,
            exportWh: r.exportWh,
            loadWh: r.loadWh,
            generationWh: r.generationWh
        });
    }

    /// @dev The record under `key`, as the reading it holds (all zero when none).
    function _recordOf(bytes32 key) internal view returns (ReadingLib.Reading memory) {
        StoredReading storage s = _records[key];
        return
            ReadingLib.Reading({
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
