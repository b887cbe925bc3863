/**
 * A topology built for real in Linux network namespaces that this process creates: one namespace
 * per node and router, and one hub namespace holding a bridge per segment. Every address lives
 * inside those namespaces; nothing touches the host's own interfaces or routes. `destroy()`
 * kills every BIRD it started and deletes every namespace, and it is safe to call twice.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulation } from '../core/bgp/simulate.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { machineInterfaces, type RouterInterface } from '../core/topology/model.js';
import { staticRoutes } from '../io/bird.js';

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs and ignores failure: for cleanup, where the thing may already be gone. */
function attempt(command: string, args: readonly string[]): void {
  spawnSync(command, args, { stdio: 'ignore' });
}

export class NamespaceLab {
  private readonly hub: string;
  private readonly namespaces = new Map<string, string>();
  private readonly attachments = new Map<string, readonly RouterInterface[]>();
  private readonly segmentBridge = new Map<string, string>();
  /** Machines that already have the veth standing in for their pods' interfaces. */
  private readonly podInterfaces = new Set<string>();
  private readonly dir: string;
  private destroyed = false;

  constructor(
    private readonly prefix: string,
    workDir: string,
  ) {
    this.hub = `${prefix}-hub`;
    this.dir = workDir;
  }

  /** Namespaces, bridges, veth pairs, addresses and the underlay's own routes. */
  build(sim: Simulation): void {
    mkdirSync(this.dir, { recursive: true });
    run('ip', ['netns', 'add', this.hub]);
    sim.topology.segments.forEach((segment, i) => {
      this.inHub('ip', ['link', 'add', `br${i}`, 'type', 'bridge']);
      this.inHub('ip', ['link', 'set', `br${i}`, 'up']);
      this.segmentBridge.set(segment.name, `br${i}`);
    });
    for (const speaker of sim.peering.speakers) {
      const ns = `${this.prefix}-${speaker.index}`;
      run('ip', ['netns', 'add', ns]);
      this.namespaces.set(speaker.name, ns);
      this.inside(speaker.name, 'ip', ['link', 'set', 'lo', 'up']);
      const interfaces = machineInterfaces(sim.topology, speaker.name);
      this.attachments.set(speaker.name, interfaces);
      interfaces.forEach((iface, i) => {
        const hubEnd = `v${speaker.index}x${i}`;
        this.inHub('ip', ['link', 'add', hubEnd, 'type', 'veth', 'peer', 'name', iface.name, 'netns', ns]);
        this.inHub('ip', ['link', 'set', hubEnd, 'master', this.segmentBridge.get(iface.segment) as string, 'up']);
        this.inside(speaker.name, 'ip', [
          'addr',
          'add',
          `${formatIpv4(iface.ip)}/${iface.subnet.len}`,
          'dev',
          iface.name,
        ]);
        this.inside(speaker.name, 'ip', ['link', 'set', iface.name, 'up']);
      });
    }
    this.underlayRoutes(sim);
  }

  private underlayRoutes(sim: Simulation): void {
    for (const node of sim.topology.nodes) {
      if (node.gateway !== undefined)
        this.inside(node.name, 'ip', ['route', 'add', 'default', 'via', formatIpv4(node.gateway)]);
    }
    // A router's static routes, its own and those podnet gives the underlay (as an IGP would).
    for (const router of sim.topology.routers) {
      this.inside(router.name, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      for (const route of staticRoutes(sim, router.name))
        this.inside(router.name, 'ip', ['route', 'add', formatCidr(route.dst), 'via', formatIpv4(route.via)]);
    }
  }

  private inHub(command: string, args: readonly string[]): string {
    return run('ip', ['netns', 'exec', this.hub, command, ...args]);
  }

  inside(machine: string, command: string, args: readonly string[]): string {
    return run('ip', ['netns', 'exec', this.namespaces.get(machine) as string, command, ...args]);
  }

  socket(machine: string): string {
    return join(this.dir, `${machine}.ctl`);
  }

  /** Writes the configuration and starts BIRD, or reconfigures the running one. */
  configureBird(machine: string, config: string, running: boolean): void {
    const file = join(this.dir, `${machine}.conf`);
    // As confd, reload only a changed configuration: a reload would also undo `birdc disable`.
    if (running && existsSync(file) && readFileSync(file, 'utf8') === config) return;
    writeFileSync(file, config);
    if (running) this.inside(machine, 'birdc', ['-s', this.socket(machine), 'configure']);
    else this.inside(machine, 'bird', ['-c', file, '-s', this.socket(machine), '-P', join(this.dir, `${machine}.pid`)]);
  }

  birdc(machine: string, ...command: string[]): string {
    return this.inside(machine, 'birdc', ['-s', this.socket(machine), ...command]);
  }

  /**
   * `birdc graceful restart`: BIRD closes its sessions without a NOTIFICATION and exits, leaving
   * its kernel routes (persist). Waits for the process to be gone.
   */
  stopBirdGracefully(machine: string): void {
    const pidFile = join(this.dir, `${machine}.pid`);
    const pid = readFileSync(pidFile, 'utf8').trim();
    this.birdc(machine, 'graceful', 'restart');
    for (let tries = 0; tries < 50 && spawnSync('kill', ['-0', pid]).status === 0; tries++)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    rmSync(pidFile, { force: true });
  }

  /** Starts BIRD again from its last configuration in graceful-restart recovery (`bird -R`). */
  startBirdRecovering(machine: string): void {
    const file = join(this.dir, `${machine}.conf`);
    this.inside(machine, 'bird', [
      '-R',
      '-c',
      file,
      '-s',
      this.socket(machine),
      '-P',
      join(this.dir, `${machine}.pid`),
    ]);
  }

  /** A silent stop, as a machine losing power: BIRD killed, its links dark, no TCP reset sent. */
  stopMachine(machine: string): void {
    for (const iface of this.attachments.get(machine) ?? [])
      this.inside(machine, 'ip', ['link', 'set', iface.name, 'down']);
    this.killBird(machine);
  }

  startMachine(machine: string): void {
    for (const iface of this.attachments.get(machine) ?? [])
      this.inside(machine, 'ip', ['link', 'set', iface.name, 'up']);
  }

  /** Cuts the link between two machines that share a point-to-point segment: both ends go dark. */
  setLinkUp(a: string, b: string, up: boolean): void {
    const shared = (this.attachments.get(a) ?? []).filter((x) =>
      (this.attachments.get(b) ?? []).some((y) => y.segment === x.segment),
    );
    for (const x of shared) {
      this.inside(a, 'ip', ['link', 'set', x.name, up ? 'up' : 'down']);
      const other = (this.attachments.get(b) ?? []).find((y) => y.segment === x.segment) as RouterInterface;
      this.inside(b, 'ip', ['link', 'set', other.name, up ? 'up' : 'down']);
    }
  }

  /**
   * The /32 routes Felix would program for pods on this machine whose addresses are outside its
   * own blocks (borrowed): BIRD's kernel protocol learns them and exports them to its peers.
   */
  setBorrowedRoutes(machine: string, addresses: readonly string[]): void {
    if (addresses.length === 0) return;
    if (!this.podInterfaces.has(machine)) {
      this.podInterfaces.add(machine);
      // A veth pair stands in for the pods' cali interfaces (not every kernel has the dummy driver).
      this.inside(machine, 'ip', ['link', 'add', 'pods0', 'type', 'veth', 'peer', 'name', 'pods1']);
      this.inside(machine, 'ip', ['link', 'set', 'pods1', 'up']);
      this.inside(machine, 'ip', ['link', 'set', 'pods0', 'up']);
    }
    for (const address of addresses)
      this.inside(machine, 'ip', ['route', 'replace', `${address}/32`, 'dev', 'pods0', 'proto', 'static']);
  }

  private killBird(machine: string): void {
    attempt('pkill', ['-KILL', '-F', join(this.dir, `${machine}.pid`)]);
    rmSync(join(this.dir, `${machine}.pid`), { force: true });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const machine of this.namespaces.keys()) this.killBird(machine);
    for (const ns of [...this.namespaces.values(), this.hub]) attempt('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
