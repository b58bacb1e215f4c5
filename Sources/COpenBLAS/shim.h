#ifndef EXPTRAIN_COPENBLAS_SHIM_H
#define EXPTRAIN_COPENBLAS_SHIM_H

#include <cblas.h>

#endif
