/**
 * The facility report's choice questions as the tests expect them, written out here
 * (not taken from the worker) so that a test checks the worker's list.
 */

/** EMIS's whole set of choice questions, in its order: what a clinic, hospital or dental clinic is asked. */
export const EMIS_CHOICES = ["collapse", "electricity", "water", "medicalGas", "supplies", "manyPatients", "staffing", "accepting", "casualties"];
