// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {GridConstants} from "./GridConstants.sol";

/// @title TariffRule
/// @notice SPEC 9: the published, deterministic rule from a weekly forecast (load L, generation G, Wh) to the
/// week's import and export rates (micro-currency units per kWh). Twin of lib/tariffs/tariff.ts; pinned by
/// test/vectors/tariff.json. See docs/dgmd.md for the rule in words and a worked example.
///
/// rate = clamp(base +/- floor(base * sensitivityBps * |L - G| / (10000 * (L + G))), floorRate, ceilingRate)
///
/// `+` when L > G (shortage: energy is scarce, both rates rise), `-` when G > L (surplus: both fall); the
/// adjustment is rounded down (towards the base rate), so each rate is monotone non-decreasing in L and
/// non-increasing in G. With L + G == 0 the gap is 0 and the rates are the (clamped) bases.
library TariffRule {
    /// @dev Sensitivity above 100% could drive a rate below zero before clamping.
    uint16 internal constant MAX_SENSITIVITY_BPS = uint16(GridConstants.BPS);

    /// @dev DGMD-set parameters of the rule; rates in micro-currency units per kWh (RATE_DECIMALS = 6).
    struct Params {
        uint64 baseImportRate;
        uint64 baseExportRate;
        uint64 floorRate;
        uint64 ceilingRate;
        /// Rate change, in bps of the base rate, at a relative gap (L - G) / (L + G) of 100%.
        uint16 sensitivityBps;
    }

    error InvalidTariffParams(
        uint64 baseImportRate,
        uint64 baseExportRate,
        uint64 floorRate,
        uint64 ceilingRate,
        uint16 sensitivityBps
    );

    /// @dev Parameters are usable when floor <= ceiling, export base <= import base (exporters never earn more
    /// than importers pay: the rule keeps exportRate <= importRate) and sensitivity <= 100%.
    function isValid(Params memory p) internal pure returns (bool) {
        return
            p.floorRate <= p.ceilingRate &&
            p.baseExportRate <= p.baseImportRate &&
            p.sensitivityBps <= MAX_SENSITIVITY_BPS;
    }

    /// @dev Reverts with the values unless {isValid}.
    function requireValid(Params memory p) internal pure {
        if (!isValid(p)) {
            revert InvalidTariffParams(
                p.baseImportRate,
                p.baseExportRate,
                p.floorRate,
                p.ceilingRate,
                p.sensitivityBps
            );
        }
    }

    /// @dev Relative forecast gap (L - G) / (L + G) in bps, rounded towards zero; for display and events only
    /// (the rates use the exact ratio).
    function gapBps(uint64 loadWh, uint64 generationWh) internal pure returns (int256) {
        uint256 total = uint256(loadWh) + generationWh;
        if (total == 0) return 0;
        if (loadWh >= generationWh)
            return int256(((uint256(loadWh) - generationWh) * GridConstants.BPS) / total);
        return -int256(((uint256(generationWh) - loadWh) * GridConstants.BPS) / total);
    }

    /// @dev The week's rates from its forecast.
    function rates(
        Params memory p,
        uint64 loadWh,
        uint64 generationWh
    ) internal pure returns (uint64 importRate, uint64 exportRate) {
        importRate = _rate(p.baseImportRate, p, loadWh, generationWh);
        exportRate = _rate(p.baseExportRate, p, loadWh, generationWh);
    }

    function _rate(
        uint64 base,
        Params memory p,
        uint64 loadWh,
        uint64 generationWh
    ) private pure returns (uint64) {
        uint256 total = uint256(loadWh) + generationWh;
        uint256 rate = base;
        if (total != 0 && loadWh != generationWh) {
            bool shortage = loadWh > generationWh;
            uint256 gap = shortage ? uint256(loadWh) - generationWh : uint256(generationWh) - loadWh;
            uint256 adjustment = Math.mulDiv(
                uint256(base) * p.sensitivityBps,
                gap,
                GridConstants.BPS * total,
                Math.Rounding.Floor
            );
            // adjustment <= base because sensitivity <= 100% and gap <= total: no underflow.
            rate = shortage ? rate + adjustment : rate - adjustment;
        }
        if (rate < p.floorRate) return p.floorRate;
        if (rate > p.ceilingRate) return p.ceilingRate;
        return uint64(rate);
    }
}
