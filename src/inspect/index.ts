export { createInspectServer, type InspectServer, type InspectServerOptions } from './server.js';
