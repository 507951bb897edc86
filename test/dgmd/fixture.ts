/**
 * DGMD test fixture: the shared deployGrid (registry + real BatchLedger) plus CapacityCertificates wired to a
 * MockBatchLedger (for the rule tests) and a second one wired to the real BatchLedger (for end-to-end proofs).
 */
import { Wallet, hexlify, randomBytes, type Signer } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { CapacityCertificates, MockBatchLedger } from "../../types/ethers-contracts/index.js";
import { deployGrid, meterWallet, type Grid } from "../../lab/fixtures/grid.js";
import { certificateDomain, signCertificate, type Certificate } from "../../lib/certificates/certificates.js";
import { PERIOD_SECONDS } from "../../lib/constants.js";

export interface DgmdFixture extends Grid {
  ethers: HardhatEthers;
  helpers: NetworkHelpers;
  mock: MockBatchLedger;
  /** Certificates whose fraud proofs go through the mock ledger. */
  certs: CapacityCertificates;
  /** Certificates whose fraud proofs go through the real BatchLedger. */
  certsReal: CapacityCertificates;
  chainId: bigint;
  /** Cluster 1's prosumer meters (deployGrid makes meter indexes 0 and 1 prosumers). */
  prosumerMeters: Wallet[];
  consumer: Wallet;
  /** The current period when the fixture is loaded (its first second). */
  startPeriod: number;
}

export async function deployDgmd(ethers: HardhatEthers, helpers: NetworkHelpers): Promise<DgmdFixture> {
  const grid = await deployGrid(ethers, helpers);
  const mock = (await ethers.deployContract("MockBatchLedger", [
    await grid.registry.getAddress(),
  ])) as unknown as MockBatchLedger;
  const certs = (await ethers.deployContract("CapacityCertificates", [
    await grid.registry.getAddress(),
    await mock.getAddress(),
  ])) as unknown as CapacityCertificates;
  const certsReal = (await ethers.deployContract("CapacityCertificates", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
  ])) as unknown as CapacityCertificates;
  const { chainId } = await ethers.provider.getNetwork();
  // Start at the first second of a period so that no test straddles a period boundary by accident.
  const startPeriod = (await grid.currentPeriod()) + 1;
  await grid.warpToPeriod(startPeriod);
  return {
    ...grid,
    ethers,
    helpers,
    mock,
    certs,
    certsReal,
    chainId,
    prosumerMeters: [meterWallet(1, 0), meterWallet(1, 1)],
    consumer: meterWallet(1, 2),
    startPeriod,
  };
}

/** A certificate for `meter` valid from now for `weeks` weeks, with a random id and commitment. */
export async function makeCert(
  f: DgmdFixture,
  meter: string,
  capacityW: bigint,
  overrides: Partial<Certificate> = {},
): Promise<Certificate> {
  const now = BigInt(await f.helpers.time.latest());
  return {
    meter,
    installedCapacityW: capacityW,
    infoCommitment: hexlify(randomBytes(32)),
    validFrom: now - 60n,
    validUntil: now + 52n * 7n * 86_400n,
    certId: hexlify(randomBytes(32)),
    ...overrides,
  };
}

export async function sign(
  f: DgmdFixture,
  cert: Certificate,
  signer: Signer = f.dgmd,
  contract: CapacityCertificates = f.certs,
): Promise<string> {
  return signCertificate(signer, certificateDomain(f.chainId, await contract.getAddress()), cert);
}

/** A DGMD-signed certificate of the first prosumer's meter, not submitted: the meter, the fields, the signature. */
export async function signedCert(
  f: DgmdFixture,
  capacityW: bigint,
): Promise<{ meter: string; cert: Certificate; sig: string }> {
  const meter = (f.prosumerMeters[0] as { address: string }).address;
  const cert = await makeCert(f, meter, capacityW);
  return { meter, cert, sig: await sign(f, cert) };
}

/** Sign with the DGMD and submit (relayed by the outsider: anyone may submit). */
export async function certify(
  f: DgmdFixture,
  meter: string,
  capacityW: bigint,
  contract: CapacityCertificates = f.certs,
  overrides: Partial<Certificate> = {},
): Promise<Certificate> {
  const cert = await makeCert(f, meter, capacityW, overrides);
  await (
    await contract.connect(f.outsider).submitCertificate(cert, await sign(f, cert, f.dgmd, contract))
  ).wait();
  return cert;
}

export const periodSeconds = BigInt(PERIOD_SECONDS);
