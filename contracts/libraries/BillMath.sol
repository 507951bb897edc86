// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {GridConstants} from "./GridConstants.sol";
import {ITariffSchedule} from "../interfaces/ITariffSchedule.sol";
import {MesMath} from "./MesMath.sol";

/// @title BillMath
/// @notice SPEC 11 per-period bill lines. Amounts are nano-currency units: Wh x micro-units/kWh, exact
/// integers with no rounding; the only rounding is the share in W (floor, as the MES view). Twin of
/// lib/billing/billing.ts, pinned by test/vectors/billing.json.
library BillMath {
    /// @dev Seconds in an hour: converts the period length into the hours MES (W) is multiplied by.
    uint256 internal constant SECONDS_PER_HOUR = 3_600;
    /// @dev A period lasts 4 hours, so a share of MES watts allows MES * 4 Wh of paid export.
    uint256 internal constant PERIOD_HOURS = GridConstants.PERIOD_SECONDS / SECONDS_PER_HOUR;

    /// @dev One period's contribution to a bill.
    struct Line {
        /// importWh * importRate.
        uint256 charge;
        /// creditedExportWh * exportRate.
        uint256 credit;
        /// min(exportWh, allowedExportWh): the export that is paid; the rest is curtailed.
        uint256 creditedExportWh;
    }

    /// @dev The export (Wh) a prosumer is paid for in one period: `MES_i * 4 h` with `MES_i` the rounded-down
    /// share in W that the public MES view shows (SPEC 11), so a bill is recomputable from that view. Never more
    /// than capacity * 4h.
    function allowedExportWh(uint256 psa, uint256 capacityW) internal pure returns (uint256) {
        return MesMath.mes(psa, capacityW) * PERIOD_HOURS;
    }

    /// @dev The export (Wh) a prosumer is paid for in one period under the week's curtailment rule: 0 when it
    /// is not authorized (no capacity); `Capacity`: {allowedExportWh}; `Generation`: floor(psa * generationWh /
    /// 1e18), so a cluster's shares sum to at most PSA * G <= L, and (G below 1e18 Wh) short of L by at most
    /// one Wh per prosumer: the rounding down.
    function allowedExportWhUnder(
        ITariffSchedule.CurtailmentRule rule,
        uint256 psa,
        uint256 capacityW,
        uint256 generationWh
    ) internal pure returns (uint256) {
        if (capacityW == 0) return 0;
        if (rule == ITariffSchedule.CurtailmentRule.Generation) {
            return Math.mulDiv(psa, generationWh, GridConstants.FIXED_ONE, Math.Rounding.Floor);
        }
        return allowedExportWh(psa, capacityW);
    }

    /// @dev One period's line: import is charged in full; export is credited up to the allowed share.
    function line(
        uint256 importWh,
        uint256 exportWh,
        uint256 allowedWh,
        uint256 importRate,
        uint256 exportRate
    ) internal pure returns (Line memory out) {
        out.creditedExportWh = Math.min(exportWh, allowedWh);
        out.charge = importWh * importRate;
        out.credit = out.creditedExportWh * exportRate;
    }

    /// @dev Net amount due: positive is owed by the meter's owner, negative is owed to them.
    function net(uint256 charge, uint256 credit) internal pure returns (int256) {
        return SafeCast.toInt256(charge) - SafeCast.toInt256(credit);
    }
}
