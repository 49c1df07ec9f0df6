/**
 * The protocol audit: compares two protocol images and classifies every change (WIRE, PEER,
 * RECOVERY, PROPERTY, SOURCE; breaking, risky or safe; backward, forward, both or neither).
 * @packageDocumentation
 */
export { audit } from './audit.js';
export type { AuditResult } from './audit.js';
export type { Category, Compatibility, Finding, Severity } from './finding.js';
export { AuditInputError, isAuditInputError } from './errors.js';
export { currentImage, loadBase, loadImageAtRef, loadImageFile, parseImage, writeLock, LOCK_PATH, GENERATED_IMAGE_PATH } from './image.js';
export type { LoadedImage, ProtocolImage } from './image.js';
export { reportText } from './report-text.js';
export { reportMarkdown } from './report-markdown.js';
export { reportJson, reportJsonData, exitCodeOf, AUDIT_REPORT_FORMAT } from './report-json.js';
export type { AuditReportJson } from './report-json.js';
export type { AuditContext } from './report.js';
