import path from "node:path";
import { parseEtherAmount, parseInteger, parseList } from "../../lib/args.js";
import { planNetwork, writeNetworkPlan } from "../../lib/clique/network.js";

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
  const signers = /^\d+$/.test(args.signers.trim())
    ? parseInteger("signers", args.signers)
    : parseList(args.signers);
  const prefundWei = parseEtherAmount("prefund-eth", args.prefundEth);
  const plan = planNetwork({
    chainId: parseInteger("chain-id", args.chainId),
    periodSeconds: parseInteger("period", args.period),
    epoch: parseInteger("epoch", args.epoch),
    signers,
    operators: parseList(args.operators),
    prefundWei,
    timestamp: Math.floor(Date.now() / 1000),
    hosts: parseList(args.hosts),
    p2pBasePort: parseInteger("p2p-port", args.p2pPort),
    rpcBasePort: parseInteger("rpc-port", args.rpcPort),
  });
  const written = writeNetworkPlan(plan, path.resolve(args.out));
  for (const n of plan.nodes) {
    console.log(`node${n.index} signer ${n.address} p2p ${n.host}:${n.p2pPort} rpc ${n.host}:${n.rpcPort}`);
  }
  console.log(`wrote ${written.length} files under ${path.resolve(args.out)}`);
}
