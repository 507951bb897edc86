// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {ITariffSchedule} from "./interfaces/ITariffSchedule.sol";
import {DgmdGated} from "./access/DgmdGated.sol";
import {GridConstants} from "./libraries/GridConstants.sol";
import {TariffRule} from "./libraries/TariffRule.sol";

/// @title TariffSchedule
/// @notice SPEC 9: the DGMD publishes a whole-grid forecast `(week, forecastLoadWh, forecastGenerationWh)` before
/// the week starts; the rates follow from it by {TariffRule} under the DGMD-set parameters in force at
/// publication. A week can be republished until it starts; from then on it is frozen. Rates are micro-currency
/// units per kWh (RATE_DECIMALS = 6). Beside the tariff, the DGMD announces the week's curtailment rule
/// ({ITariffSchedule-CurtailmentRule}) the same way: before the week, frozen once it starts.
contract TariffSchedule is ITariffSchedule, DgmdGated {
    /// @dev One published week: forecast and the rates derived from it (one storage slot).
    struct Tariff {
        uint64 forecastLoadWh;
        uint64 forecastGenerationWh;
        uint64 importRate;
        uint64 exportRate;
    }

    /// @dev One announced week's curtailment rule (one slot).
    struct RuleAnnouncement {
        CurtailmentRule rule;
        bool announced;
    }

    TariffRule.Params private _params;
    mapping(uint32 week => Tariff) private _tariffs;
    /// @dev Published weeks, ascending, each once: the fallback lookup is a binary search.
    uint32[] private _publishedWeeks;
    mapping(uint32 week => bool) private _isPublished;
    /// @dev Curtailment rule announcements: the weeks ascending (same lookup as tariffs) and each one's rule.
    uint32[] private _ruleWeeks;
    mapping(uint32 week => RuleAnnouncement) private _rules;

    /// @param registry_ The cluster registry (DGMD role, clock).
    /// @param params_ Initial rule parameters (see {TariffRule.Params}).
    constructor(IClusterRegistry registry_, TariffRule.Params memory params_) DgmdGated(registry_) {
        _setParams(params_);
    }

    /// @notice Change the rule's parameters for weeks published from now on (published weeks keep their rates).
    /// DGMD only.
    /// @param newParams New parameters; refused unless floor <= ceiling, export base <= import base,
    /// sensitivity <= 100%.
    function setParams(TariffRule.Params calldata newParams) external onlyDgmd {
        _setParams(newParams);
    }

    /// @notice Publish (or republish) the whole-grid forecast of a future week; the rates follow by {TariffRule}.
    /// DGMD only; refused once the week has started.
    /// @param week The week (period / 42) to publish; must be later than the current week.
    /// @param forecastLoadWh Forecast total load of the grid over the week.
    /// @param forecastGenerationWh Forecast total prosumer generation over the week.
    function publish(uint32 week, uint64 forecastLoadWh, uint64 forecastGenerationWh) external onlyDgmd {
        uint32 current = currentWeek();
        if (week <= current) revert WeekAlreadyStarted(week, current);
        TariffRule.Params memory p = _params;
        (uint64 importRate, uint64 exportRate) = TariffRule.rates(p, forecastLoadWh, forecastGenerationWh);
        bool republished = _isPublished[week];
        _tariffs[week] = Tariff(forecastLoadWh, forecastGenerationWh, importRate, exportRate);
        if (!republished) {
            _isPublished[week] = true;
            _insertWeek(_publishedWeeks, week);
        }
        emit TariffPublished(
            week,
            forecastLoadWh,
            forecastGenerationWh,
            importRate,
            exportRate,
            TariffRule.gapBps(forecastLoadWh, forecastGenerationWh),
            republished
        );
    }

    /// @notice Announce the curtailment rule of a future week; it applies to that week and every later one until
    /// the next announcement. DGMD only; refused once the week has started (a started week's rule is frozen).
    /// @param week The week (period / 42) from which `rule` applies; must be later than the current week.
    /// @param rule The rule billing applies to the week's periods.
    function setCurtailmentRule(uint32 week, CurtailmentRule rule) external onlyDgmd {
        uint32 current = currentWeek();
        if (week <= current) revert WeekAlreadyStarted(week, current);
        bool reannounced = _rules[week].announced;
        _rules[week] = RuleAnnouncement(rule, true);
        if (!reannounced) _insertWeek(_ruleWeeks, week);
        emit CurtailmentRuleSet(week, rule, reannounced);
    }

    /// @inheritdoc ITariffSchedule
    function curtailmentRuleOf(
        uint32 week
    ) external view returns (CurtailmentRule rule, uint32 sourceWeek, bool announced) {
        RuleAnnouncement memory own = _rules[week];
        if (own.announced) return (own.rule, week, true);
        (sourceWeek, announced) = _lastWeekUpTo(_ruleWeeks, week);
        if (announced) rule = _rules[sourceWeek].rule;
    }

    /// @notice Every week a curtailment rule was announced for, ascending (for history tables).
    function curtailmentRuleWeeks() external view returns (uint32[] memory) {
        return _ruleWeeks;
    }

    /// @inheritdoc ITariffSchedule
    function tariffOf(
        uint32 week
    ) external view returns (uint64 importRate, uint64 exportRate, uint32 sourceWeek, bool isFallback) {
        sourceWeek = _sourceWeek(week);
        Tariff storage t = _tariffs[sourceWeek];
        return (t.importRate, t.exportRate, sourceWeek, sourceWeek != week);
    }

    /// @notice The forecast and rates published for exactly `week` (zeros and false when none).
    function publishedTariff(uint32 week) external view returns (Tariff memory tariff, bool published) {
        return (_tariffs[week], _isPublished[week]);
    }

    /// @notice Every published week, ascending (for history tables).
    function publishedWeeks() external view returns (uint32[] memory) {
        return _publishedWeeks;
    }

    /// @notice The rule's current parameters.
    function params() external view returns (TariffRule.Params memory) {
        return _params;
    }

    /// @notice The rates the current parameters give for a forecast (what {publish} would store).
    function quote(
        uint64 forecastLoadWh,
        uint64 forecastGenerationWh
    ) external view returns (uint64 importRate, uint64 exportRate, int256 gapBps) {
        (importRate, exportRate) = TariffRule.rates(_params, forecastLoadWh, forecastGenerationWh);
        gapBps = TariffRule.gapBps(forecastLoadWh, forecastGenerationWh);
    }

    /// @notice The week containing the current block (SPEC 3: period / 42).
    function currentWeek() public view returns (uint32) {
        return uint32(registry.currentPeriod() / GridConstants.PERIODS_PER_WEEK);
    }

    function _setParams(TariffRule.Params memory p) private {
        TariffRule.requireValid(p);
        _params = p;
        emit TariffParamsSet(
            p.baseImportRate,
            p.baseExportRate,
            p.floorRate,
            p.ceilingRate,
            p.sensitivityBps
        );
    }

    /// @dev Weeks are normally announced in order (an append); an earlier future week shifts the tail.
    function _insertWeek(uint32[] storage list, uint32 week) private {
        list.push(week);
        uint256 i = list.length - 1;
        while (i > 0 && list[i - 1] > week) {
            list[i] = list[i - 1];
            i--;
        }
        list[i] = week;
    }

    /// @dev The last published week <= `week`; for a week before every published one, the first published week
    /// once it has started (issue 16, finding 10: the weeks before the DGMD's first publication, e.g. the grid's
    /// first week, would otherwise never be billable). Until then it can still be republished, and a week before
    /// it could still be published, so nothing is fixed yet.
    function _sourceWeek(uint32 week) private view returns (uint32) {
        if (_isPublished[week]) return week;
        (uint32 source, bool found) = _lastWeekUpTo(_publishedWeeks, week);
        if (found) return source;
        if (_publishedWeeks.length == 0) revert NoTariff(week);
        uint32 first = _publishedWeeks[0];
        if (currentWeek() < first) revert TariffNotFixedYet(week, first);
        return first;
    }

    /// @dev The last week of the ascending `list` that is <= `week` (binary search); `found` false when none is.
    function _lastWeekUpTo(
        uint32[] storage list,
        uint32 week
    ) private view returns (uint32 last, bool found) {
        // The number of listed weeks <= `week`.
        uint256 lo = 0;
        uint256 hi = list.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (list[mid] <= week) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (0, false);
        return (list[lo - 1], true);
    }
}
