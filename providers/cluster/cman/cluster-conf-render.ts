/**
 * Renders /etc/cluster/cluster.conf of a RHEL 6 cman + rgmanager cluster (seeds 000/001).
 *
 * The layout is the seed's: `<?xml version="1.0"?>`, two-space indentation, empty elements as
 * `<x/>`, attributes in alphabetical order (every element of the seed has them so, as ccs and luci
 * write them), and the children of `<cluster>` in the seed's order: `<cman>`, `<clusternodes>`,
 * `<totem>`, `<fencedevices>`, `<rm>` (failover domains, then services). The document is built by
 * fast-xml-parser's XMLBuilder in ordered mode (mixed siblings such as `<ip>` and `<script>` keep
 * the given order) and the library escapes every attribute value.
 *
 * The seed's own file has two irregularities that are not reproduced: a blank line before
 * `<service>` and a nested `<script>` indented by ten spaces instead of eight. Neither means
 * anything to an XML reader; test/providers/cluster/cman/cluster-conf-render.test.ts compares with
 * the seed after re-indenting it.
 */
import { XMLBuilder } from "fast-xml-parser";
import { Problems } from "../../../spec/problems";
import type { ClusterConfInput, ClusterConfNode, ClusterConfResource } from "./cluster-conf-input";
import { checkClusterConf } from "./cluster-conf-validate";

/** An element as fast-xml-parser's ordered builder takes it: `{ tag: children, ":@": attributes }`. */
type XmlElement = Record<string, XmlElement[] | Record<string, string>>;

/** An element with its attributes in alphabetical order (the seed's order). */
function element(
  tag: string,
  attributes: Record<string, string | number | undefined>,
  children: XmlElement[] = [],
): XmlElement {
  const attrs: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    if (value !== undefined) attrs[`@_${key}`] = String(value);
  }
  return Object.keys(attrs).length > 0 ? { [tag]: children, ":@": attrs } : { [tag]: children };
}

const flag = (b: boolean): string => (b ? "1" : "0");

function fenceElement(node: ClusterConfNode): XmlElement {
  const methods: string[] = [];
  for (const entry of node.fence) if (!methods.includes(entry.method)) methods.push(entry.method);
  return element(
    "fence",
    {},
    methods.map((method) =>
      element(
        "method",
        { name: method },
        node.fence
          .filter((e) => e.method === method)
          .map((e) => element("device", { name: e.device, port: e.port })),
      ),
    ),
  );
}

function resourceElement(r: ClusterConfResource): XmlElement {
  const children = (r.children ?? []).map(resourceElement);
  switch (r.kind) {
    case "ip":
      return element("ip", { address: r.address, monitor_link: r.monitorLink ? "on" : "0" }, children);
    case "script":
      return element("script", { file: r.file, name: r.name }, children);
    case "fs":
      return element(
        "fs",
        { device: r.device, fstype: r.fstype, mountpoint: r.mountpoint, name: r.name },
        children,
      );
  }
}

/** Serialises the document: XML declaration, two-space indentation, `<x/>`, one trailing newline. */
function buildXml(root: XmlElement): string {
  // Made per call: a builder at module level would be serialised with every provider.
  const builder = new XMLBuilder({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
    processEntities: true,
  });
  const declaration = { "?xml": [{ "#text": "" }], ":@": { "@_version": "1.0" } };
  return `${String(builder.build([declaration, root])).trimEnd()}\n`;
}

/**
 * Renders cluster.conf. Pure. Throws one error listing every problem of the input (names with
 * characters cman rejects, duplicate node names or ids, a service's failover domain or a node's
 * fence device that is not defined, …), each naming its field and the fix.
 */
export function renderClusterConf(input: ClusterConfInput): string {
  const problems = new Problems();
  checkClusterConf(problems, input);
  problems.throwIfAny("cluster.conf");

  const domains = input.failoverDomains.map((d) =>
    element(
      "failoverdomain",
      { name: d.name, ordered: flag(d.ordered), restricted: flag(d.restricted) },
      d.nodes.map((n) => element("failoverdomainnode", { name: n.name, priority: n.priority })),
    ),
  );
  const services = input.services.map((s) =>
    element(
      "service",
      { autostart: flag(s.autostart), domain: s.domain, name: s.name },
      s.resources.map(resourceElement),
    ),
  );
  return buildXml(
    element("cluster", { config_version: input.configVersion, name: input.name }, [
      element("cman", {
        expected_votes: input.cman.expectedVotes,
        transport: input.cman.transport,
        two_node: input.cman.twoNode ? "1" : undefined,
      }),
      element(
        "clusternodes",
        {},
        input.nodes.map((n) =>
          element("clusternode", { name: n.name, nodeid: n.nodeId, votes: n.votes }, [
            fenceElement(n),
            ...(n.altname !== undefined ? [element("altname", { name: n.altname })] : []),
          ]),
        ),
      ),
      element("totem", { token: input.totem.token }),
      element(
        "fencedevices",
        {},
        input.fenceDevices.map((d) =>
          element("fencedevice", {
            agent: d.agent,
            identity_file: d.identityFile,
            ipaddr: d.ipaddr,
            login: d.login,
            name: d.name,
            option: d.option,
          }),
        ),
      ),
      element("rm", {}, [
        ...(domains.length > 0 ? [element("failoverdomains", {}, domains)] : []),
        ...services,
      ]),
    ]),
  );
}
