/**
 * The direction of dependencies (docs/ARCHITECTURE.md): lib/ is the product and stands on its own; the lab
 * (lab/, bench/), tasks/, scripts/ and test/ build on it, never the other way round. `npm run lint:deps`.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "product-imports-no-lab",
      comment: "lib/ is what a deployment runs: it never imports the lab, tests, tasks or scripts",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(lab|bench|test|tasks|scripts)/" },
    },
    {
      name: "lab-imports-no-tests",
      comment:
        "the lab (simulator, demo, report, attacks, fixtures, benchmarks) never imports test/ or tasks/",
      severity: "error",
      from: { path: "^(lab|bench)/" },
      to: { path: "^(test|tasks)/" },
    },
    {
      name: "nothing-imports-scripts-or-tasks",
      comment:
        "scripts/ and tasks/ are thin entry points: nothing imports them (but the Hardhat config, tasks)",
      severity: "error",
      from: { path: "^(lib|lab|bench|scripts)/" },
      to: { path: "^(scripts|tasks)/" },
    },
    {
      name: "product-has-no-cycles",
      comment: "a cycle inside lib/ means two modules are one concept or a type is in the wrong home",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^lib/", circular: true },
    },
    {
      name: "runtime-packages-are-dependencies",
      comment: "a package lib/ imports at run time must be in `dependencies`, not `devDependencies`",
      severity: "error",
      from: { path: "^lib/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(artifacts|cache|types|coverage|test/vectors/.*\\.json)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
