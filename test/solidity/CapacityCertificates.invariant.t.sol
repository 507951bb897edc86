// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {ClusterRegistry} from "../../contracts/ClusterRegistry.sol";
import {CapacityCertificates} from "../../contracts/CapacityCertificates.sol";
import {IBatchLedger} from "../../contracts/interfaces/IBatchLedger.sol";
import {IClusterRegistry} from "../../contracts/interfaces/IClusterRegistry.sol";
import {MockBatchLedger} from "../../contracts/test/MockBatchLedger.sol";
import {ReadingLib} from "../../contracts/libraries/ReadingLib.sol";

/// @dev Drives CapacityCertificates through random histories: certificates signed now and submitted now or later
/// (spares), cancellations, revocations of one certificate or a whole meter, tolerance changes, over-capacity
/// proofs of past readings and time passing, in any order. Beside the contract it keeps the plain facts (what was
/// accepted, when, and every cut) and derives SPEC 8's answer from them directly: the capacity in a period is that
/// of the newest-issued certificate whose window holds it and that no revocation, deauthorization or newer
/// certificate ended by then. Every action must be accepted or refused as those facts say; a disagreement is
/// counted, never reverted (a reverting handler call would be skipped silently).
contract CertificatesHandler is Base {
    uint64 internal constant EPOCH = 1_704_067_200; // Mon 2024-01-01 00:00 UTC
    uint256 internal constant PERIOD_SECONDS = 14_400;
    uint32 internal constant START_PERIOD = 600;
    uint32 internal constant OPEN_END = type(uint32).max;
    uint256 internal constant RETENTION = 13 * 42;
    uint256 internal constant DGMD_KEY = 0xD6D6;
    uint256 internal constant METERS = 2;
    /// @dev Periods after the current one that the capacity property also checks.
    uint32 internal constant LOOKAHEAD = 30;

    ClusterRegistry public registry;
    MockBatchLedger public mock;
    CapacityCertificates public certs;
    address public dgmd;
    address[METERS] public meters;

    /// @dev A signed certificate and what became of it.
    struct Signed {
        CapacityCertificates.Certificate cert;
        bytes signature;
        bool submitted;
        bool cancelled;
        uint32 submittedIn;
        /// First period a revocation of this one certificate ended it from (OPEN_END: never).
        uint32 revokedFrom;
    }

    /// @dev A revokeMeter or a proven over-capacity reading: certificates issued at or before `issuedThrough`
    /// stop counting from `fromPeriod` on.
    struct Cut {
        address meter;
        uint64 issuedThrough;
        uint32 fromPeriod;
    }

    struct Tolerance {
        uint32 fromPeriod;
        uint16 bps;
    }

    Signed[] internal _signed;
    Cut[] internal _cuts;
    Tolerance[] internal _tolerances;
    uint256 internal _nonce;

    uint256 public mismatches;
    string public lastMismatch;
    uint256 public accepted;

    constructor() {
        vm.warp(EPOCH + uint256(START_PERIOD) * PERIOD_SECONDS);
        dgmd = vm.addr(DGMD_KEY);
        registry = new ClusterRegistry(address(this), dgmd, EPOCH, 4);
        registry.addNode(address(0xA0), 0, 0);
        registry.createCluster(address(0xA0), 0, 0);
        for (uint256 i = 0; i < METERS; i++) {
            meters[i] = address(uint160(0xC0 + i));
            registry.addMeter(1, meters[i], IClusterRegistry.MeterKind.Prosumer);
        }
        mock = new MockBatchLedger(registry);
        certs = new CapacityCertificates(registry, IBatchLedger(address(mock)));
        _tolerances.push(Tolerance(0, 1_000));
    }

    // ------------------------------------------------------------------ actions

    /// @notice The DGMD signs a certificate (issued a little before now, sometimes long before, sometimes later);
    /// with `submitNow` it is submitted at once, else it waits as a spare.
    function sign(
        uint256 meterSeed,
        uint256 backSeed,
        uint256 capacitySeed,
        uint256 lengthSeed,
        bool submitNow
    ) external {
        uint256 back = [uint256(0), 60, 3_600, 5 * PERIOD_SECONDS, 40 * PERIOD_SECONDS][backSeed % 5];
        uint64 validFrom = uint64(block.timestamp - back);
        if (backSeed % 13 == 0) validFrom = uint64(block.timestamp + 7_200); // dated in the future
        CapacityCertificates.Certificate memory c = CapacityCertificates.Certificate({
            meter: meters[meterSeed % METERS],
            installedCapacityW: uint64(1_000 + (capacitySeed % 9_000)),
            infoCommitment: bytes32(0),
            validFrom: validFrom,
            validUntil: uint64(block.timestamp + (1 + (lengthSeed % 40)) * PERIOD_SECONDS),
            certId: keccak256(abi.encode("cert", ++_nonce))
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(DGMD_KEY, certs.certificateDigest(c));
        _signed.push(Signed(c, abi.encodePacked(r, s, v), false, false, 0, OPEN_END));
        if (submitNow) submit(_signed.length - 1);
    }

    /// @notice Anyone submits a signed certificate (fresh or a spare kept for later).
    function submit(uint256 index) public {
        if (_signed.length == 0) return;
        uint256 i = index % _signed.length;
        bool expected = _submittable(i);
        bool ok;
        try certs.submitCertificate(_signed[i].cert, _signed[i].signature) {
            ok = true;
        } catch {}
        if (ok) {
            _signed[i].submitted = true;
            _signed[i].submittedIn = registry.currentPeriod();
            accepted++;
        }
        _expect(ok == expected, "submit");
    }

    /// @notice The DGMD revokes a signed certificate: a submitted one from now on, a spare for good.
    function revoke(uint256 index) external {
        if (_signed.length == 0) return;
        uint256 i = index % _signed.length;
        Signed storage s = _signed[i];
        uint32 current = registry.currentPeriod();
        // A submitted certificate can be revoked while it still counts now or later (an interval emptied by a
        // newer certificate never counts: nothing to revoke).
        uint32 until = s.submitted ? _until(i) : 0;
        bool expected = !s.cancelled && (!s.submitted || (until > current && until > _from(i)));
        vm.prank(dgmd);
        bool ok;
        try certs.revokeCertificate(s.cert.certId) {
            ok = true;
        } catch {}
        if (ok && !s.submitted) s.cancelled = true;
        else if (ok) s.revokedFrom = current;
        _expect(ok == expected, "revoke");
    }

    /// @notice The DGMD revokes a meter: everything issued until now stops from the current period.
    function revokeMeter(uint256 meterSeed) external {
        address meter = meters[meterSeed % METERS];
        vm.prank(dgmd);
        bool ok;
        try certs.revokeMeter(meter) {
            ok = true;
        } catch {}
        if (ok) _cuts.push(Cut(meter, uint64(block.timestamp), registry.currentPeriod()));
        _expect(ok, "revokeMeter");
    }

    /// @notice The DGMD sets the tolerance (from the next period on).
    function setTolerance(uint256 bpsSeed) external {
        uint16 bps = uint16(1_000 + (bpsSeed % 501));
        vm.prank(dgmd);
        bool ok;
        try certs.setTolerance(bps) {
            ok = true;
        } catch {}
        if (ok) {
            uint32 from = registry.currentPeriod() + 1;
            Tolerance storage last = _tolerances[_tolerances.length - 1];
            if (last.fromPeriod == from) last.bps = bps;
            else _tolerances.push(Tolerance(from, bps));
        }
        _expect(ok, "setTolerance");
    }

    /// @notice Anyone proves a (proven) reading of a recent or old period over capacity.
    function prove(uint256 meterSeed, uint256 ageSeed, uint256 peakSeed) external {
        address meter = meters[meterSeed % METERS];
        uint32 current = registry.currentPeriod();
        uint256 age = ageSeed % 3 == 0 ? ageSeed % (RETENTION + 40) : ageSeed % 8;
        if (age > current) age = current;
        uint32 period = uint32(current - age);
        ReadingLib.Reading memory r;
        r.meter = meter;
        r.period = period;
        r.peakGenerationW = uint32(900 + (peakSeed % 12_000));
        IBatchLedger.ReadingProof memory p = IBatchLedger.ReadingProof(r, "", 0, "");
        mock.setProven(p, true);
        uint64 cap = modelCapacity(meter, period);
        bool expected =
            age <= RETENTION &&
                cap != 0 &&
                uint256(r.peakGenerationW) * 10_000 > uint256(cap) * (10_000 + modelTolerance(period));
        bool ok;
        try certs.proveOverCapacity(p) {
            ok = true;
        } catch {}
        if (ok) _cuts.push(Cut(meter, uint64(EPOCH + uint256(period) * PERIOD_SECONDS), period));
        _expect(ok == expected, "prove");
    }

    /// @notice Time passes: up to four periods and some seconds.
    function warp(uint256 seed) external {
        vm.warp(block.timestamp + (seed % 4) * PERIOD_SECONDS + (seed % 3_600));
    }

    // ------------------------------------------------------------------ model

    /// @dev The accepted certificates of one meter, each with the periods it counts for by the rules.
    struct Windows {
        uint256 count;
        uint32[] from;
        uint32[] until;
        uint64[] issuedAt;
        uint64[] capacity;
    }

    /// @notice SPEC 8 from the facts: the newest-issued accepted certificate of `meter` whose window holds
    /// `period` and that nothing ended by then (0 when none).
    function modelCapacity(address meter, uint32 period) public view returns (uint64) {
        return _capacityIn(_windows(meter), period);
    }

    function _capacityIn(Windows memory w, uint32 period) internal pure returns (uint64 capacity) {
        uint64 newest;
        bool found;
        for (uint256 k = 0; k < w.count; k++) {
            if (w.from[k] > period || period >= w.until[k]) continue;
            if (!found || w.issuedAt[k] > newest)
                (newest, capacity, found) = (w.issuedAt[k], w.capacity[k], true);
        }
    }

    function _windows(address meter) internal view returns (Windows memory w) {
        uint256 n = _signed.length;
        w.from = new uint32[](n);
        w.until = new uint32[](n);
        w.issuedAt = new uint64[](n);
        w.capacity = new uint64[](n);
        for (uint256 i = 0; i < n; i++) {
            Signed storage s = _signed[i];
            if (!s.submitted || s.cert.meter != meter) continue;
            (w.from[w.count], w.until[w.count]) = (_from(i), _until(i));
            (w.issuedAt[w.count], w.capacity[w.count]) = (s.cert.validFrom, s.cert.installedCapacityW);
            w.count++;
        }
    }

    /// @notice The tolerance the DGMD set for `period`.
    function modelTolerance(uint32 period) public view returns (uint16 bps) {
        for (uint256 i = 0; i < _tolerances.length; i++)
            if (_tolerances[i].fromPeriod <= period) bps = _tolerances[i].bps;
    }

    /// @notice Compares the contract with the model for both meters in every period from the start to
    /// LOOKAHEAD past the current one. Both are constant between the periods where an interval of either begins
    /// or ends, so those periods (and the first) are the ones compared.
    function capacityMismatch() external view returns (uint256 meterIndex, uint32 period, bool differs) {
        uint32 last = registry.currentPeriod() + LOOKAHEAD;
        for (uint256 m = 0; m < METERS; m++) {
            Windows memory w = _windows(meters[m]);
            CapacityCertificates.Authorization[] memory onChain = certs.authorizationsOf(meters[m]);
            uint32[] memory points = new uint32[](1 + 2 * w.count + 2 * onChain.length);
            points[0] = START_PERIOD;
            uint256 k = 1;
            for (uint256 i = 0; i < w.count; i++) {
                points[k] = w.from[i];
                points[k + 1] = w.until[i];
                k += 2;
            }
            for (uint256 i = 0; i < onChain.length; i++) {
                points[k] = onChain[i].fromPeriod;
                points[k + 1] = onChain[i].untilPeriod;
                k += 2;
            }
            for (uint256 i = 0; i < points.length; i++) {
                uint32 p = points[i];
                if (p < START_PERIOD || p > last) continue;
                if (certs.authorizedCapacityAt(meters[m], p) != _capacityIn(w, p)) return (m, p, true);
            }
        }
    }

    /// @notice The first period whose tolerance differs between contract and model (differs false when none).
    function toleranceMismatch() external view returns (uint32 period, bool differs) {
        uint32 last = registry.currentPeriod() + 1;
        for (uint32 p = START_PERIOD; p <= last; p++) {
            if (certs.toleranceAt(p) != modelTolerance(p)) return (p, true);
        }
    }

    function _submittable(uint256 i) internal view returns (bool) {
        Signed storage s = _signed[i];
        if (s.submitted || s.cancelled) return false;
        if (s.cert.validUntil <= block.timestamp || s.cert.validFrom > block.timestamp) return false;
        for (uint256 k = 0; k < _cuts.length; k++) {
            if (_cuts[k].meter == s.cert.meter && s.cert.validFrom <= _cuts[k].issuedThrough) return false;
        }
        for (uint256 j = 0; j < _signed.length; j++) {
            Signed storage o = _signed[j];
            if (o.submitted && o.cert.meter == s.cert.meter && o.cert.validFrom == s.cert.validFrom)
                return false;
        }
        return true;
    }

    /// @dev Where certificate `i` begins: its first period, never before the period it was submitted in.
    function _from(uint256 i) internal view returns (uint32) {
        uint32 first = _firstPeriodAtOrAfter(_signed[i].cert.validFrom);
        return first > _signed[i].submittedIn ? first : _signed[i].submittedIn;
    }

    /// @dev Where certificate `i` stops counting: its validUntil, its own revocation, every cut of a certificate
    /// issued by then, and the start of every certificate of the meter issued after it.
    function _until(uint256 i) internal view returns (uint32 until) {
        Signed storage s = _signed[i];
        until = _firstPeriodAtOrAfter(s.cert.validUntil);
        if (s.revokedFrom < until) until = s.revokedFrom;
        for (uint256 k = 0; k < _cuts.length; k++) {
            Cut storage c = _cuts[k];
            if (c.meter == s.cert.meter && s.cert.validFrom <= c.issuedThrough && c.fromPeriod < until) {
                until = c.fromPeriod;
            }
        }
        for (uint256 j = 0; j < _signed.length; j++) {
            Signed storage o = _signed[j];
            if (o.submitted && o.cert.meter == s.cert.meter && o.cert.validFrom > s.cert.validFrom) {
                uint32 start = _from(j);
                if (start < until) until = start;
            }
        }
    }

    function _firstPeriodAtOrAfter(uint64 t) internal pure returns (uint32) {
        if (t <= EPOCH) return 0;
        return uint32((uint256(t) - EPOCH + PERIOD_SECONDS - 1) / PERIOD_SECONDS);
    }

    function _expect(bool agrees, string memory what) internal {
        if (agrees) return;
        mismatches++;
        lastMismatch = what;
    }
}

/// @title Stateful invariants of SPEC 8's certificates: whatever order certificates, spares, cancellations,
/// revocations, tolerance changes and fraud proofs arrive in, the authorized capacity in every period is that
/// of the newest valid certificate in force then, and every action is accepted or refused as the rules say.
/// `npm run test:invariants` runs each property 10,000 times (hardhat.config.ts, profile "invariants").
contract CapacityCertificatesInvariantTest is Base {
    CertificatesHandler internal handler;

    function setUp() public {
        handler = new CertificatesHandler();
    }

    /// @dev Only the handler's actions are fuzzed (not the contracts it deployed).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_capacityIsThatOfTheNewestValidCertificateInForce() public view {
        (uint256 meter, uint32 period, bool differs) = handler.capacityMismatch();
        if (differs)
            revert AssertionFailedUint("capacity differs from the newest valid certificate", meter, period);
    }

    function invariant_everyActionIsAcceptedOrRefusedAsTheRulesSay() public view {
        assertEq(handler.mismatches(), 0, handler.lastMismatch());
    }

    function invariant_toleranceOfEveryPeriodIsTheOneSetForIt() public view {
        (uint32 period, bool differs) = handler.toleranceMismatch();
        if (differs) revert AssertionFailedUint("tolerance differs from the one set", period, 0);
    }
}
