export { serviceIPRangeOffset, kubernetesServiceIP, dnsServiceIP } from './service-cidr.js';
