// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
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
/// @dev Authorization is kept per meter as a short list of period intervals `[fromPeriod, untilPeriod)`, one
/// storage slot each, pairwise disjoint: a new certificate, a revocation or a deauthorization only ever cuts the
/// intervals that reach beyond its start. The list grows by one per certificate, so scans stay short.
contract CapacityCertificates is ICapacityCertificates, DgmdGated, EIP712 {
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

    /// @dev Periods `[fromPeriod, untilPeriod)` in which a meter may supply with `capacityW` (one slot).
    struct Authorization {
        uint64 capacityW;
        uint32 fromPeriod;
        uint32 untilPeriod;
    }

    /// @dev Where a used certId lives (one slot), plus its commitment.
    struct CertRecord {
        address meter;
        uint32 index;
        bool used;
        bytes32 infoCommitment;
    }

    /// @notice The batch ledger that proves the readings of over-capacity fraud proofs.
    IBatchLedger public immutable ledger;

    /// @inheritdoc ICapacityCertificates
    uint16 public toleranceBps;

    mapping(address meter => Authorization[]) private _authorizations;
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
        _setTolerance(MIN_TOLERANCE_BPS);
    }

    // ---------------------------------------------------------- certificates

    /// @notice Record a DGMD-signed certificate; anyone may submit it. It authorizes the meter for the periods
    /// whose start lies in `[validFrom, validUntil)`, but never before the current period, and supersedes the
    /// meter's earlier authorizations from its first period on.
    /// @param cert The certificate fields the DGMD signed.
    /// @param signature The DGMD's 65-byte EIP-712 signature.
    function submitCertificate(Certificate calldata cert, bytes calldata signature) external {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(certificateDigest(cert), signature);
        if (err != ECDSA.RecoverError.NoError) revert InvalidCertificateSignature(signature);
        if (!registry.isDgmd(signer)) revert SignerNotDgmd(signer);
        if (cert.certId == bytes32(0)) revert ZeroCertId();
        if (_certs[cert.certId].used) revert CertIdUsed(cert.certId);
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
        _requireEligible(cert.meter);

        uint32 current = registry.currentPeriod();
        uint32 from = uint32(Math.max(_firstPeriodStartingAtOrAfter(cert.validFrom), current));
        uint32 until = _firstPeriodStartingAtOrAfter(cert.validUntil);
        uint32 index = _grant(cert.meter, cert.installedCapacityW, from, until);
        _certs[cert.certId] = CertRecord({
            meter: cert.meter,
            index: index,
            used: true,
            infoCommitment: cert.infoCommitment
        });
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

    /// @notice Revoke one certificate from the current period on (earlier periods stay settled). DGMD only.
    /// @param certId The certificate to revoke; its id stays used.
    function revokeCertificate(bytes32 certId) external onlyDgmd {
        CertRecord storage rec = _certs[certId];
        if (!rec.used) revert UnknownCertificate(certId);
        uint32 current = registry.currentPeriod();
        Authorization storage a = _authorizations[rec.meter][rec.index];
        if (a.untilPeriod <= current || a.untilPeriod <= a.fromPeriod)
            revert NothingToRevoke(rec.meter, current);
        a.untilPeriod = uint32(Math.max(current, a.fromPeriod));
        emit CertificateRevoked(rec.meter, certId, current);
    }

    /// @notice Revoke every authorization of a meter from the current period on. DGMD only.
    /// @param meter The prosumer meter.
    function revokeMeter(address meter) external onlyDgmd {
        uint32 current = registry.currentPeriod();
        if (!_cut(meter, current)) revert NothingToRevoke(meter, current);
        emit CertificateRevoked(meter, bytes32(0), current);
    }

    /// @notice Carry the certificate of a replaced meter over to its replacement (SPEC 7): same capacity and end,
    /// from the current period on. DGMD only. (A fresh certificate for the new meter works as well.)
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
        _grant(newMeter, old.capacityW, from, old.untilPeriod);
        emit ReplacementReconfirmed(oldMeter, newMeter, old.capacityW, from, old.untilPeriod);
    }

    // -------------------------------------------------------------- tolerance

    /// @notice Set the tolerance over installed capacity. DGMD only.
    /// @param bps 1000..1500 (10%..15%).
    function setTolerance(uint16 bps) external onlyDgmd {
        _setTolerance(bps);
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
    /// exceeds the meter's certified capacity plus the current tolerance deauthorizes the prosumer from the
    /// reading's period on. Anyone may call.
    /// @param p The reading with signature and 64-bit Merkle proof (checked by the ledger).
    function proveOverCapacity(IBatchLedger.ReadingProof calldata p) external {
        ledger.requireProvenReading(p);
        address meter = p.reading.meter;
        uint32 period = p.reading.period;
        (Authorization memory a, bool found) = _authorizationAt(meter, period);
        if (!found) revert NotAuthorizedAt(meter, period);
        uint16 tol = toleranceBps;
        uint32 peak = p.reading.peakGenerationW;
        if (!violatesTolerance(peak, a.capacityW, tol)) {
            revert NotOverCapacity(meter, period, peak, a.capacityW, tol);
        }
        _cut(meter, period);
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

    /// @notice A used certificate id's meter, commitment and current authorization interval.
    /// @return meter The certified meter (zero when unknown).
    /// @return infoCommitment keccak256 of the encrypted personal-data record.
    /// @return authorization Capacity and periods `[from, until)` (cut by revocation or deauthorization).
    function certificate(
        bytes32 certId
    ) external view returns (address meter, bytes32 infoCommitment, Authorization memory authorization) {
        CertRecord storage rec = _certs[certId];
        if (!rec.used) revert UnknownCertificate(certId);
        return (rec.meter, rec.infoCommitment, _authorizations[rec.meter][rec.index]);
    }

    /// @notice Whether a certificate id was used already (ids are single-use, also after revocation).
    function certIdUsed(bytes32 certId) external view returns (bool) {
        return _certs[certId].used;
    }

    /// @notice A meter's authorization intervals, oldest first (empty ones were superseded before starting).
    function authorizationsOf(address meter) external view returns (Authorization[] memory) {
        return _authorizations[meter];
    }

    // --------------------------------------------------------------- internal

    function _setTolerance(uint16 bps) private {
        if (bps < MIN_TOLERANCE_BPS || bps > MAX_TOLERANCE_BPS) {
            revert ToleranceOutOfRange(bps, MIN_TOLERANCE_BPS, MAX_TOLERANCE_BPS);
        }
        emit ToleranceSet(toleranceBps, bps);
        toleranceBps = bps;
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

    /// @dev Cut earlier intervals at `from`, then append `[from, until)`; returns its index.
    function _grant(
        address meter,
        uint64 capacityW,
        uint32 from,
        uint32 until
    ) private returns (uint32 index) {
        _cut(meter, from);
        Authorization[] storage list = _authorizations[meter];
        index = uint32(list.length);
        list.push(Authorization({capacityW: capacityW, fromPeriod: from, untilPeriod: until}));
    }

    /// @dev End every interval of `meter` at `period` at the latest; returns whether anything was cut.
    function _cut(address meter, uint32 period) private returns (bool cut) {
        Authorization[] storage list = _authorizations[meter];
        for (uint256 i = list.length; i > 0; i--) {
            Authorization storage a = list[i - 1];
            if (a.untilPeriod > period && a.untilPeriod > a.fromPeriod) {
                // An interval that had not started yet becomes empty (until == from).
                a.untilPeriod = uint32(Math.max(period, a.fromPeriod));
                cut = true;
            }
        }
    }

    function _authorizationAt(
        address meter,
        uint32 period
    ) private view returns (Authorization memory a, bool found) {
        Authorization[] storage list = _authorizations[meter];
        for (uint256 i = list.length; i > 0; i--) {
            a = list[i - 1];
            if (a.fromPeriod <= period && period < a.untilPeriod) return (a, true);
        }
        return (Authorization(0, 0, 0), false);
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
