import path from "node:path";
import { parseEther } from "ethers";
import { InvalidArgumentError } from "../../lib/errors.js";
import { planNetwork, writeNetworkPlan } from "../../lib/clique/network.js";

/** Whole number from a task option, or a refusal naming the option. */
function whole(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(name, `${raw} is not a whole number`);
  return value;
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export default async function (args: {
  signers: string;
  period: string;
  epoch: string;
  chainId: string;
  operators: string;
  prefundEth: string;
  hosts: string;
  p2pPort: string;
  rpcPort: string;
  out: string;
}) {
  const signers = /^\d+$/.test(args.signers.trim()) ? whole("signers", args.signers) : list(args.signers);
  let prefundWei: bigint;
  try {
    prefundWei = parseEther(args.prefundEth);
  } catch {
    throw new InvalidArgumentError("prefund-eth", `${args.prefundEth} is not an ether amount`);
  }
  const plan = planNetwork({
    chainId: whole("chain-id", args.chainId),
    periodSeconds: whole("period", args.period),
    epoch: whole("epoch", args.epoch),
    signers,
    operators: list(args.operators),
    prefundWei,
    timestamp: Math.floor(Date.now() / 1000),
    hosts: list(args.hosts),
    p2pBasePort: whole("p2p-port", args.p2pPort),
    rpcBasePort: whole("rpc-port", args.rpcPort),
  });
  const written = writeNetworkPlan(plan, path.resolve(args.out));
  for (const n of plan.nodes) {
    console.log(`node${n.index} signer ${n.address} p2p ${n.host}:${n.p2pPort} rpc ${n.host}:${n.rpcPort}`);
  }
  console.log(`wrote ${written.length} files under ${path.resolve(args.out)}`);
}
