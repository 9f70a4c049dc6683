using PemCertState.Hosts;
using PemCertState.Inventory;

namespace PemCertState.Application;

/// <summary>
/// Opens the hosts of a run (local, SSH) for an inventory. The command line's carries its SSH choices
/// (--accept-new-host-keys) and where SSH notices go; a test hands the plain one.
/// </summary>
public delegate HostSet OpenHosts(DesiredState desired);
