/** `podnet ipam show`, as calicoctl prints it. */
import { parseIpv4 } from '../../core/net/index.js';
import { ipamShow, ipamShowBorrowed, ipamShowConfiguration, ipamShowIp } from '../../io/format/calicoctl.js';
import { type GlobalOptions, viewCluster } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';

export interface IpamShowFlags {
  readonly showBlocks?: boolean;
  readonly showBorrowed?: boolean;
  readonly showConfiguration?: boolean;
  readonly ip?: string;
}

export function ipamShowCommand(io: CliIo, options: GlobalOptions, flags: IpamShowFlags): number {
  const { cluster } = viewCluster(options, io);
  if (flags.ip !== undefined) {
    const ip = parseIpv4(flags.ip);
    if (ip === null) throw new CommandFailure(`error: --ip "${flags.ip}" is not an IPv4 address`, 1);
    io.stdout(`${ipamShowIp(cluster, ip)}\n`);
    return 0;
  }
  if (flags.showConfiguration) {
    io.stdout(`${ipamShowConfiguration(cluster)}\n`);
    return 0;
  }
  io.stdout(`${flags.showBorrowed ? ipamShowBorrowed(cluster) : ipamShow(cluster, flags.showBlocks ?? false)}\n`);
  return 0;
}
