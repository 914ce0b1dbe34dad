/* Private to src/ode and its tests: the equations an sk_ode integrates. */
#ifndef SK_ODE_INTERNAL_H
#define SK_ODE_INTERNAL_H

#include "smolkin/ode.h"

/* Unknowns now (active masses, the tail mass G, the tail count N if any)
 * and the active masses. */
long long sk_ode_neq_(const sk_ode *e);
long long sk_ode_active_(const sk_ode *e);
/* The right-hand side and the Jacobian-vector product CVODE sees, at y
 * (sk_ode_neq_ entries). Return 0 on success. */
int sk_ode_rhs_(sk_ode *e, const double *y, double *dy);
int sk_ode_jvp_(sk_ode *e, const double *y, const double *v, double *jv);

#endif
