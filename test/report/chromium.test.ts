import { expect } from "chai";
import {
  ChromiumUnavailableError,
  DEFAULT_CHROMIUM,
  provisionChromium,
  type Machine,
} from "../../lab/report/chromium.js";

/** A machine with the given files; apt-get answers from `apt` in turn and "installs" chromium on success. */
function machine(opts: {
  env?: NodeJS.ProcessEnv;
  files?: string[];
  isRoot?: boolean;
  apt?: number[];
}): Machine & { calls: string[] } {
  const files = new Set(opts.files ?? []);
  const answers = [...(opts.apt ?? [])];
  const calls: string[] = [];
  return {
    env: opts.env ?? {},
    exists: (f) => files.has(f),
    isRoot: opts.isRoot ?? false,
    calls,
    run: async (cmd, args) => {
      calls.push([cmd, ...args].join(" "));
      const code = answers.shift() ?? 127;
      if (code === 0 && args[0] === "install") files.add(DEFAULT_CHROMIUM);
      return { code, output: code === 0 ? "" : "E: Unable to locate package chromium" };
    },
  };
}

describe("chromium for the report checks", () => {
  it("uses Debian's chromium when it is there, and installs nothing", async () => {
    const m = machine({ files: [DEFAULT_CHROMIUM], isRoot: true });
    const s = await provisionChromium(m);
    expect(s).to.include({ available: true, path: DEFAULT_CHROMIUM });
    expect(m.calls).to.deep.equal([]);
  });

  it("uses GRIDSHARE_CHROMIUM; when it names no file, says so and installs nothing", async () => {
    const found = await provisionChromium(
      machine({ env: { GRIDSHARE_CHROMIUM: "/opt/c/chrome" }, files: ["/opt/c/chrome"] }),
    );
    expect(found).to.include({ available: true, path: "/opt/c/chrome" });
    const m = machine({ env: { GRIDSHARE_CHROMIUM: "/nowhere/chromium" }, isRoot: true });
    const s = await provisionChromium(m);
    expect(s.available).to.equal(false);
    expect(s.note).to.equal("GRIDSHARE_CHROMIUM=/nowhere/chromium does not exist");
    expect(s.enable).to.match(/^export GRIDSHARE_CHROMIUM=/);
    expect(m.calls).to.deep.equal([]);
  });

  it("as root with apt, installs the chromium package (updating the lists only when needed)", async () => {
    const direct = machine({ isRoot: true, apt: [0] });
    expect(await provisionChromium(direct)).to.include({ available: true, path: DEFAULT_CHROMIUM });
    expect(direct.calls).to.deep.equal(["apt-get install -y chromium"]);

    const fresh = machine({ isRoot: true, apt: [100, 0, 0] });
    expect((await provisionChromium(fresh)).available).to.equal(true);
    expect(fresh.calls).to.deep.equal([
      "apt-get install -y chromium",
      "apt-get update",
      "apt-get install -y chromium",
    ]);
  });

  it("otherwise gives the one command that enables it, and the reason", async () => {
    const user = machine({ isRoot: false });
    const s = await provisionChromium(user);
    expect(s).to.include({ available: false, enable: "sudo apt-get install -y chromium" });
    expect(s.note).to.match(/not root/);
    expect(user.calls).to.deep.equal([]);

    const noApt = await provisionChromium(machine({ isRoot: true, apt: [127] }));
    expect(noApt).to.include({ available: false, enable: "apt-get install -y chromium" });
    expect(noApt.note).to.match(/no apt-get/);

    const failing = await provisionChromium(machine({ isRoot: true, apt: [100, 0, 100] }));
    expect(failing.available).to.equal(false);
    expect(failing.note).to.match(/apt-get failed \(exit 100\): E: Unable to locate package chromium/);
    expect(new ChromiumUnavailableError(failing).message).to.match(
      /; to enable it: apt-get install -y chromium$/,
    );
  });
});
