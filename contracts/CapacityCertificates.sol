// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IBatchLedger} from "./interfaces/IBatchLedger.sol";
import {ICapacityCertificates} from "./interfaces/ICapacityCertificates.sol";
import {IClusterRegistry} from "./interfaces/IClusterRegistry.sol";
import {DgmdGated} from "./access/DgmdGated.sol";
import {GridConstants} from "./libraries/GridConstants.sol";

/// @title CapacityCertificates
/// @notice SPEC 8: DGMD-signed capacity certificates of prosumers, the DGMD's tolerance over installed capacity
/// and on-chain over-capacity fraud proofs. Certificates are EIP-712 typed data in this contract's own
/// "GridShare"/"1" domain; anyone may relay one. Personal data stays off-chain (AES-256-GCM,
/// lib/certificates/record.ts): only `infoCommitment = keccak256(encrypted blob)` is recorded.
///
/// Rules (twin: lib/certificates/authorization.ts):
/// - A certificate is issued at its `validFrom` (the DGMD signs the visit's date; it is never in the future at
///   submission). Among a meter's certificates the one issued last stands: from its first period on, every
///   certificate issued before it stops counting, whatever order they were submitted in.
/// - A certificate covers the periods whose start lies in `[validFrom, validUntil)`, never before the period
///   it is submitted in.
/// - The DGMD cancels a certificate nobody submitted yet by its id; a submitted one it revokes from the
///   current period on.
/// - `revokeMeter` ends every certificate of the meter from the current period on; a proven over-capacity
///   reading ends, from its period on, every certificate issued by that period's start. A certificate issued
///   at or before the meter's latest revocation, deauthorization or replacement is refused afterwards.
/// - A fraud proof is judged with the certificate and tolerance in force in the reading's period and is refused
///   for readings older than the retention window (13 weeks). A tolerance change applies from the next period.
/// @dev Authorization is kept per meter as a short list of period intervals `[fromPeriod, untilPeriod)` with the
/// issue time, one storage slot each, pairwise disjoint (a certificate ends where a newer one starts). The list
/// grows by one per certificate, so scans stay short.
contract CapacityCertificates is ICapacityCertificates, DgmdGated, EIP712 {
    using Checkpoints for Checkpoints.Trace224;

    /// @notice EIP-712 type of a DGMD capacity certificate.
    bytes32 public constant CERTIFICATE_TYPEHASH = keccak256(
        "Certificate(address meter,uint64 installedCapacityW,bytes32 infoCommitment,uint64 validFrom,"
        "uint64 validUntil,bytes32 certId)"
    );

    /// @notice SPEC 8: the tolerance lies within 10%..15% (basis points).
    uint16 public constant MIN_TOLERANCE_BPS = 1_000;
    uint16 public constant MAX_TOLERANCE_BPS = 1_500;

    /// @dev What the DGMD signs.
    struct Certificate {
        address meter;
        uint64 installedCapacityW;
        bytes32 infoCommitment;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 certId;
    }

    /// @dev A used certId's record: where its interval lives (one slot), plus its commitment.
    struct CertRecord {
        address meter;
        uint32 index;
        CertStatus status;
        bytes32 infoCommitment;
    }

    /// @notice The batch ledger that proves the readings of over-capacity fraud proofs.
    IBatchLedger public immutable ledger;

    /// @dev Tolerance (bps) by the first period it applies to.
    Checkpoints.Trace224 private _tolerances;
    mapping(address meter => Authorization[]) private _authorizations;
    /// @dev Certificates of the meter issued at or before this time are void (revocation, deauthorization).
    mapping(address meter => uint64) private _voidThrough;
    mapping(bytes32 certId => CertRecord) private _certs;

    /// @param registry_ The cluster registry (DGMD role, meters, clock).
    /// @param ledger_ The batch ledger that proves readings.
    /// @dev The tolerance starts at the strictest value allowed, 10%; the DGMD may widen it to 15%.
    constructor(
        IClusterRegistry registry_,
        IBatchLedger ledger_
    ) DgmdGated(registry_) EIP712("GridShare", "1") {
        if (address(ledger_) == address(0)) revert ZeroAddress();
        ledger = ledger_;
        _tolerances.push(0, MIN_TOLERANCE_BPS);
        emit ToleranceSet(0, MIN_TOLERANCE_BPS, 0);
    }

    // ---------------------------------------------------------- certificates

    /// @notice Record a DGMD-signed certificate; anyone may submit it. It authorizes the meter for the periods
    /// whose start lies in `[validFrom, validUntil)`, but never before the current period, until a certificate
    /// issued later starts.
    /// @param cert The certificate fields the DGMD signed.
    /// @param signature The DGMD's 65-byte EIP-712 signature.
    function submitCertificate(Certificate calldata cert, bytes calldata signature) external {
        address signer = _requireSubmittable(cert, signature);
        (uint32 from, uint32 until) = _record(cert);
        emit CertificateSubmitted(
            cert.certId,
            cert.meter,
            cert.installedCapacityW,
            cert.infoCommitment,
            from,
            until,
            signer
        );
    }

    /// @notice Revoke a submitted certificate from the current period on (earlier periods stay settled), or
    /// cancel one nobody submitted yet so that it never can be (SPEC 8). DGMD only.
    /// @dev Revoking the standing certificate does not bring back an older one: it ended where this one began.
    /// @param certId The certificate to revoke or cancel; its id stays used.
    function revokeCertificate(bytes32 certId) external onlyDgmd {
        CertRecord storage rec = _certs[certId];
        if (rec.status == CertStatus.Cancelled) revert CertIdCancelled(certId);
        if (rec.status == CertStatus.None) {
            rec.status = CertStatus.Cancelled;
            emit CertificateCancelled(certId);
            return;
        }
        uint32 current = registry.currentPeriod();
        if (!_end(_authorizations[rec.meter][rec.index], current)) revert NothingToRevoke(rec.meter, current);
        emit CertificateRevoked(rec.meter, certId, current);
    }

    /// @notice Revoke every certificate of a meter from the current period on, and void every certificate issued
    /// until now that nobody submitted yet. DGMD only.
    /// @param meter The prosumer meter.
    function revokeMeter(address meter) external onlyDgmd {
        uint32 current = registry.currentPeriod();
        // Time by design: the revocation voids what was issued until now (SPEC 8).
        // solhint-disable-next-line not-rely-on-time
        _deauthorize(meter, uint64(block.timestamp), current);
        emit CertificateRevoked(meter, bytes32(0), current);
    }

    /// @notice Carry the certificate of a replaced meter over to its replacement (SPEC 7): same capacity and end,
    /// from the current period on, issued now. DGMD only. (A fresh certificate for the new meter works as well.)
    /// @param newMeter The replacement meter; it must hold no authorization yet.
    function reconfirmReplacement(address newMeter) external onlyDgmd {
        IClusterRegistry.MeterInfo memory info = _requireEligible(newMeter);
        address oldMeter = info.replaces;
        if (oldMeter == address(0)) revert NotAReplacement(newMeter);
        if (_authorizations[newMeter].length != 0) revert AlreadyCertified(newMeter);
        // The old meter's last counted period is the one before it was retired.
        uint32 oldUntil = registry.meterInfo(oldMeter).untilPeriod;
        if (oldUntil == 0) revert NothingToReconfirm(oldMeter, 0);
        uint32 lastPeriod = oldUntil - 1;
        (Authorization memory old, bool found) = _authorizationAt(oldMeter, lastPeriod);
        if (!found) revert NothingToReconfirm(oldMeter, lastPeriod);
        uint32 from = registry.currentPeriod();
        if (old.untilPeriod <= from) revert NothingToReconfirm(oldMeter, lastPeriod);
        // Time by design: the re-confirmation is issued now.
        // solhint-disable-next-line not-rely-on-time
        uint64 issuedAt = uint64(block.timestamp);
        uint64 barrier = _voidThroughOf(newMeter, info);
        if (issuedAt <= barrier) revert CertificateVoided(bytes32(0), issuedAt, barrier);
        _grant(newMeter, old.capacityW, from, old.untilPeriod, issuedAt);
        emit ReplacementReconfirmed(oldMeter, newMeter, old.capacityW, from, old.untilPeriod);
    }

    // -------------------------------------------------------------- tolerance

    /// @notice Set the tolerance over installed capacity, from the next period on: a period in progress keeps
    /// the rule its readings are taken under. DGMD only.
    /// @param bps 1000..1500 (10%..15%).
    function setTolerance(uint16 bps) external onlyDgmd {
        if (bps < MIN_TOLERANCE_BPS || bps > MAX_TOLERANCE_BPS) {
            revert ToleranceOutOfRange(bps, MIN_TOLERANCE_BPS, MAX_TOLERANCE_BPS);
        }
        uint32 from = registry.currentPeriod() + 1;
        uint16 old = toleranceAt(from);
        _tolerances.push(from, bps);
        emit ToleranceSet(old, bps, from);
    }

    /// @inheritdoc ICapacityCertificates
    function toleranceAt(uint32 period) public view returns (uint16) {
        return uint16(_tolerances.upperLookupRecent(period));
    }

    /// @inheritdoc ICapacityCertificates
    function toleranceBps() external view returns (uint16) {
        return toleranceAt(registry.currentPeriod());
    }

    /// @notice SPEC 8 violation rule in exact integers: `peak * 10000 > capacity * (10000 + toleranceBps)`.
    function violatesTolerance(
        uint256 peakGenerationW,
        uint256 installedCapacityW,
        uint256 toleranceBps_
    ) public pure returns (bool) {
        return peakGenerationW * GridConstants.BPS > installedCapacityW * (GridConstants.BPS + toleranceBps_);
    }

    /// @notice Fraud proof: a meter-signed reading, proven against an accepted batch, whose peak generation
    /// exceeds the capacity certified for its period plus the tolerance in force then deauthorizes the prosumer
    /// from the reading's period on: every certificate issued by that period's start ends there, and none issued
    /// by then can be submitted afterwards. Certificates issued later are untouched. Anyone may call.
    /// @param p The reading with signature and 64-bit Merkle proof (checked by the ledger).
    function proveOverCapacity(IBatchLedger.ReadingProof calldata p) external {
        ledger.requireProvenReading(p);
        address meter = p.reading.meter;
        uint32 period = p.reading.period;
        uint32 current = registry.currentPeriod();
        if (current > period && current - period > GridConstants.RETENTION_PERIODS) {
            revert ReadingTooOld(meter, period, current);
        }
        (Authorization memory a, bool found) = _authorizationAt(meter, period);
        if (!found) revert NotAuthorizedAt(meter, period);
        uint16 tol = toleranceAt(period);
        uint32 peak = p.reading.peakGenerationW;
        if (!violatesTolerance(peak, a.capacityW, tol)) {
            revert NotOverCapacity(meter, period, peak, a.capacityW, tol);
        }
        _deauthorize(meter, _periodStart(period), period);
        emit ProsumerDeauthorized(meter, period, peak, a.capacityW, tol, msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICapacityCertificates
    function authorizedCapacityAt(address meter, uint32 period) external view returns (uint64 capacityW) {
        (Authorization memory a, bool found) = _authorizationAt(meter, period);
        return found ? a.capacityW : 0;
    }

    /// @notice EIP-712 digest of a certificate under this contract's domain (what the DGMD signs).
    function certificateDigest(Certificate calldata cert) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        CERTIFICATE_TYPEHASH,
                        cert.meter,
                        cert.installedCapacityW,
                        cert.infoCommitment,
                        cert.validFrom,
                        cert.validUntil,
                        cert.certId
                    )
                )
            );
    }

    /// @notice A submitted certificate's meter, commitment and current authorization interval.
    /// @return meter The certified meter.
    /// @return infoCommitment keccak256 of the encrypted personal-data record.
    /// @return authorization Capacity, periods `[from, until)` (cut by a newer certificate, revocation or
    /// deauthorization) and issue time.
    function certificate(
        bytes32 certId
    ) external view returns (address meter, bytes32 infoCommitment, Authorization memory authorization) {
        CertRecord storage rec = _certs[certId];
        if (rec.status != CertStatus.Submitted) revert UnknownCertificate(certId);
        return (rec.meter, rec.infoCommitment, _authorizations[rec.meter][rec.index]);
    }

    /// @notice Whether a certificate id was used already: submitted or cancelled (ids are single-use).
    function certIdUsed(bytes32 certId) external view returns (bool) {
        return _certs[certId].status != CertStatus.None;
    }

    /// @notice A submitted or cancelled certificate id's status (None when unused).
    function certStatus(bytes32 certId) external view returns (CertStatus) {
        return _certs[certId].status;
    }

    /// @notice A meter's authorization intervals in submission order (empty ones never started).
    function authorizationsOf(address meter) external view returns (Authorization[] memory) {
        return _authorizations[meter];
    }

    /// @notice Certificates of `meter` issued at or before this time are void (its latest revocation,
    /// deauthorization or replacement); a new certificate must be issued later.
    function voidThrough(address meter) external view returns (uint64) {
        return _voidThroughOf(meter, registry.meterInfo(meter));
    }

    // --------------------------------------------------------------- internal

    /// @dev Every refusal of {submitCertificate}, in order; returns the DGMD account that signed.
    function _requireSubmittable(
        Certificate calldata cert,
        bytes calldata signature
    ) private view returns (address signer) {
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecover(certificateDigest(cert), signature);
        if (err != ECDSA.RecoverError.NoError) revert InvalidCertificateSignature(signature);
        if (!registry.isDgmd(signer)) revert SignerNotDgmd(signer);
        if (cert.certId == bytes32(0)) revert ZeroCertId();
        CertStatus status = _certs[cert.certId].status;
        if (status == CertStatus.Cancelled) revert CertIdCancelled(cert.certId);
        if (status == CertStatus.Submitted) revert CertIdUsed(cert.certId);
        if (cert.validFrom >= cert.validUntil) {
            revert InvalidValidityWindow(cert.certId, cert.validFrom, cert.validUntil);
        }
        // Time by design: certificate validity is wall time (SPEC 8).
        // solhint-disable-next-line not-rely-on-time
        if (cert.validUntil <= block.timestamp) {
            // Time by design: certificate validity is wall time (SPEC 8).
            // solhint-disable-next-line not-rely-on-time
            revert CertificateExpired(cert.certId, cert.validUntil, block.timestamp);
        }
        if (cert.installedCapacityW == 0) revert ZeroCapacity(cert.meter);
        IClusterRegistry.MeterInfo memory info = _requireEligible(cert.meter);
        // Time by design: validFrom is the issue time; a certificate cannot be issued in the future.
        // solhint-disable-next-line not-rely-on-time
        if (cert.validFrom > block.timestamp) {
            // solhint-disable-next-line not-rely-on-time
            revert NotYetIssued(cert.certId, cert.validFrom, block.timestamp);
        }
        uint64 barrier = _voidThroughOf(cert.meter, info);
        if (cert.validFrom <= barrier) revert CertificateVoided(cert.certId, cert.validFrom, barrier);
    }

    /// @dev Grants a checked certificate its periods and records its id; returns its interval.
    function _record(Certificate calldata cert) private returns (uint32 from, uint32 until) {
        from = uint32(Math.max(_firstPeriodStartingAtOrAfter(cert.validFrom), registry.currentPeriod()));
        uint32 index = _grant(
            cert.meter,
            cert.installedCapacityW,
            from,
            _firstPeriodStartingAtOrAfter(cert.validUntil),
            cert.validFrom
        );
        _certs[cert.certId] = CertRecord({
            meter: cert.meter,
            index: index,
            status: CertStatus.Submitted,
            infoCommitment: cert.infoCommitment
        });
        until = _authorizations[cert.meter][index].untilPeriod;
    }

    function _requireEligible(address meter) private view returns (IClusterRegistry.MeterInfo memory info) {
        info = registry.meterInfo(meter);
        if (
            info.kind != IClusterRegistry.MeterKind.Prosumer ||
            info.status != IClusterRegistry.MeterStatus.Active
        ) {
            revert MeterNotEligible(meter, info.kind, info.status);
        }
    }

    /// @dev The latest of the meter's revocation, deauthorization and (for a replacement meter) the start of the
    /// period it was installed in.
    function _voidThroughOf(
        address meter,
        IClusterRegistry.MeterInfo memory info
    ) private view returns (uint64) {
        uint64 stored = _voidThrough[meter];
        if (info.replaces == address(0)) return stored;
        uint64 installed = _periodStart(info.fromPeriod);
        return installed > stored ? installed : stored;
    }

    /// @dev Append `[from, until)` issued at `issuedAt`: certificates issued before it end where it starts; it
    /// ends where any certificate issued after it starts. Returns its index.
    function _grant(
        address meter,
        uint64 capacityW,
        uint32 from,
        uint32 until,
        uint64 issuedAt
    ) private returns (uint32 index) {
        Authorization[] storage list = _authorizations[meter];
        uint256 n = list.length;
        for (uint256 i = 0; i < n; i++) {
            Authorization storage a = list[i];
            if (a.issuedAt == issuedAt) revert IssueTimeTaken(meter, issuedAt);
            if (a.issuedAt < issuedAt) _end(a, from);
            else if (a.fromPeriod < until) until = uint32(Math.max(a.fromPeriod, from));
        }
        index = uint32(n);
        list.push(
            Authorization({capacityW: capacityW, fromPeriod: from, untilPeriod: until, issuedAt: issuedAt})
        );
    }

    /// @dev Every certificate of `meter` issued at or before `issuedThrough` ends at `period`, and none issued by
    /// then may be submitted later.
    function _deauthorize(address meter, uint64 issuedThrough, uint32 period) private {
        if (issuedThrough > _voidThrough[meter]) _voidThrough[meter] = issuedThrough;
        Authorization[] storage list = _authorizations[meter];
        for (uint256 i = 0; i < list.length; i++) {
            if (list[i].issuedAt <= issuedThrough) _end(list[i], period);
        }
    }

    /// @dev End `a` at `period` at the latest; returns whether anything was cut. An interval that had not
    /// started yet becomes empty (until == from).
    function _end(Authorization storage a, uint32 period) private returns (bool) {
        if (a.untilPeriod <= period || a.untilPeriod <= a.fromPeriod) return false;
        a.untilPeriod = uint32(Math.max(period, a.fromPeriod));
        return true;
    }

    /// @dev The interval covering `period` (intervals are disjoint, so at most one does).
    function _authorizationAt(
        address meter,
        uint32 period
    ) private view returns (Authorization memory a, bool found) {
        Authorization[] storage list = _authorizations[meter];
        for (uint256 i = list.length; i > 0; i--) {
            a = list[i - 1];
            if (a.fromPeriod <= period && period < a.untilPeriod) return (a, true);
        }
        return (Authorization(0, 0, 0, 0), false);
    }

    function _periodStart(uint32 period) private view returns (uint64) {
        return uint64(registry.epoch() + uint256(period) * GridConstants.PERIOD_SECONDS);
    }

    /// @dev The first period whose start time is >= `t` (saturating at OPEN_END): a certificate valid from `t`
    /// covers periods from here on, one valid until `t` covers periods before here.
    function _firstPeriodStartingAtOrAfter(uint64 t) private view returns (uint32) {
        uint64 epoch = registry.epoch();
        if (t <= epoch) return 0;
        uint256 p = Math.ceilDiv(t - epoch, GridConstants.PERIOD_SECONDS);
        return p >= GridConstants.OPEN_END ? GridConstants.OPEN_END : uint32(p);
    }
}
